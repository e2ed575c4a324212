import type { AgeBracket } from '../config.ts';

export function ageOn(birthdate: string, on: Date): number {
  const [y, m, d] = birthdate.split('-').map(Number) as [number, number, number];
  let age = on.getUTCFullYear() - y;
  const beforeBirthday = on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

export function bracketLabel(bracket: { min: number; max: number | null }): string {
  return bracket.max === null ? `${bracket.min}+` : `${bracket.min}-${bracket.max}`;
}

/**
 * The person's bracket today and the date it ends, rounded down to the first of the month
 * so that the stored date says less than a birthdate; credentials end no later than that.
 */
export function bracketFor(
  brackets: AgeBracket[],
  birthdate: string,
  now: Date,
): { min: number; max: number | null; endsAt: Date | null } | undefined {
  const age = ageOn(birthdate, now);
  const bracket = brackets.find((b) => age >= b.min && (b.max === null || age <= b.max));
  if (!bracket) return undefined;
  if (bracket.max === null) return { ...bracket, endsAt: null };
  const [y, m] = birthdate.split('-').map(Number) as [number, number, number];
  return { ...bracket, endsAt: new Date(Date.UTC(y + bracket.max + 1, m - 1, 1)) };
}
