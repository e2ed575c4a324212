import { and, count, eq, gt, isNull, or, type SQL } from 'drizzle-orm';
import { persons } from '../schema.ts';
import type { ServiceContext } from './context.ts';

type PersonAttributes = { resident: boolean; district: string | null; ageMin: number | null };

/**
 * The claim combinations this person may disclose: each must describe at least k enrolled,
 * active people, so that a badge never singles anyone out. `resident_of` is implied by
 * `district`; the combinations are returned as sorted claim lists.
 */
export async function disclosableCombinations(
  ctx: ServiceContext,
  person: PersonAttributes,
): Promise<string[][]> {
  const now = ctx.now();
  const active = and(eq(persons.status, 'active'), gt(persons.expiresAt, now));
  const population = async (...filters: (SQL | undefined)[]) => {
    const [row] = await ctx.db
      .select({ n: count() })
      .from(persons)
      .where(and(active, ...filters));
    return row?.n ?? 0;
  };
  const k = ctx.config.k;
  const combos: string[][] = [];
  const hasAge = person.ageMin !== null;
  // The bracket stored at enrolment: someone who has since left it no longer stands in it.
  const stillInBracket = or(isNull(persons.ageBracketEndsAt), gt(persons.ageBracketEndsAt, now));
  const byAge = hasAge ? and(eq(persons.ageMin, person.ageMin!), stillInBracket) : undefined;
  if (person.resident && person.district) {
    const residents = eq(persons.resident, true);
    const inDistrict = eq(persons.district, person.district);
    if ((await population(residents)) >= k) combos.push(['resident_of']);
    if ((await population(residents, inDistrict)) >= k) combos.push(['district', 'resident_of']);
    if (byAge && (await population(residents, byAge)) >= k) combos.push(['age_range', 'resident_of']);
    if (byAge && (await population(residents, inDistrict, byAge)) >= k) {
      combos.push(['age_range', 'district', 'resident_of']);
    }
  }
  if (byAge && (await population(byAge)) >= k) combos.push(['age_range']);
  return combos;
}
