import { z } from 'zod';

/** One age bracket: ages `min`..`max` inclusive; `max` is null for the open last bracket. */
export type AgeBracket = { min: number; max: number | null };

const DEFAULT_BRACKETS = '16-17,18-24,25-29,30-39,40-49,50-64,65+';

export function parseBrackets(text: string): AgeBracket[] {
  const brackets = text.split(',').map((part) => {
    const open = /^(\d+)\+$/.exec(part.trim());
    if (open) return { min: Number(open[1]), max: null };
    const closed = /^(\d+)-(\d+)$/.exec(part.trim());
    if (!closed) throw new Error(`invalid age bracket "${part}"`);
    return { min: Number(closed[1]), max: Number(closed[2]) };
  });
  for (const [i, b] of brackets.entries()) {
    if (b.max !== null && b.max < b.min) throw new Error(`invalid age bracket ${b.min}-${b.max}`);
    const next = brackets[i + 1];
    if (next && (b.max === null || next.min !== b.max + 1)) {
      throw new Error('age brackets must be contiguous and ascending');
    }
  }
  return brackets;
}

/** Booleans read the same way as the platform's (`TRUST_PROXY` in server/config.ts). */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const configSchema = z.object({
  IDENTITY_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  IDENTITY_HOST: z.string().default('127.0.0.1'),
  IDENTITY_PUBLIC_URL: z.url().optional(),
  IDENTITY_DATA_DIR: z.string().default('./data/identity'),
  IDENTITY_DATABASE_URL: z.string().optional(),
  IDENTITY_SECRET_KEY: z.string().min(32).optional(),
  IDENTITY_TOWN: z.string().min(1).default('Parvis-sur-Loire'),
  /** The issuer's name as verifiers show it on badges; default "Ville de <town>". */
  IDENTITY_ISSUER_NAME: z.string().min(1).max(200).optional(),
  IDENTITY_DISTRICTS: z.string().default('Centre,Gare,Les Prés,Vieux Bourg'),
  IDENTITY_AGE_BRACKETS: z.string().default(DEFAULT_BRACKETS),
  IDENTITY_K: z.coerce.number().int().min(1).default(5),
  IDENTITY_CREDENTIAL_DAYS: z.coerce.number().int().min(1).max(90).default(90),
  IDENTITY_BATCH_SIZE: z.coerce.number().int().min(1).max(50).default(10),
  IDENTITY_ENROLMENT_DAYS: z.coerce.number().int().min(1).default(365),
  IDENTITY_EID_ISSUER: z.url().optional(),
  IDENTITY_EID_CLIENT_ID: z.string().optional(),
  IDENTITY_EID_CLIENT_SECRET: z.string().optional(),
  /** Origins allowed to ask the wallet for a presentation (comma separated). */
  IDENTITY_VERIFIER_ORIGINS: z.string().default(''),
  /**
   * Behind a reverse proxy: the client address is taken from `X-Forwarded-For` (express
   * `trust proxy`), so rate limits count each person apart rather than the proxy as one client.
   */
  IDENTITY_TRUST_PROXY: bool.default(false),
  /** Test only: allow plain http OpenID provider on loopback. */
  IDENTITY_EID_ALLOW_INSECURE: z.stringbool().default(false),
});

export type IdentityConfig = {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  secretKey: string | undefined;
  town: string;
  issuerName: string;
  districts: string[];
  brackets: AgeBracket[];
  k: number;
  credentialDays: number;
  batchSize: number;
  enrolmentDays: number;
  eid: { issuer: string; clientId: string; clientSecret: string; allowInsecure: boolean } | undefined;
  verifierOrigins: string[];
  trustProxy: boolean;
};

export class IdentityConfigError extends Error {
  override name = 'IdentityConfigError';
}

function invalid(lines: string[]): IdentityConfigError {
  return new IdentityConfigError(
    `Invalid identity service configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`,
  );
}

/** Parses the environment; a bad value throws an IdentityConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): IdentityConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  const raw = parsed.data;
  let brackets: AgeBracket[];
  try {
    brackets = parseBrackets(raw.IDENTITY_AGE_BRACKETS);
  } catch (error) {
    throw invalid([`IDENTITY_AGE_BRACKETS: ${(error as Error).message}`]);
  }
  const eid =
    raw.IDENTITY_EID_ISSUER && raw.IDENTITY_EID_CLIENT_ID && raw.IDENTITY_EID_CLIENT_SECRET
      ? {
          issuer: raw.IDENTITY_EID_ISSUER,
          clientId: raw.IDENTITY_EID_CLIENT_ID,
          clientSecret: raw.IDENTITY_EID_CLIENT_SECRET,
          allowInsecure: raw.IDENTITY_EID_ALLOW_INSECURE,
        }
      : undefined;
  return {
    port: raw.IDENTITY_PORT,
    host: raw.IDENTITY_HOST,
    publicUrl: (raw.IDENTITY_PUBLIC_URL ?? `http://localhost:${raw.IDENTITY_PORT}`).replace(/\/$/, ''),
    dataDir: raw.IDENTITY_DATA_DIR,
    databaseUrl: raw.IDENTITY_DATABASE_URL,
    secretKey: raw.IDENTITY_SECRET_KEY,
    town: raw.IDENTITY_TOWN,
    issuerName: raw.IDENTITY_ISSUER_NAME ?? `Ville de ${raw.IDENTITY_TOWN}`,
    districts: raw.IDENTITY_DISTRICTS.split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    brackets,
    k: raw.IDENTITY_K,
    credentialDays: raw.IDENTITY_CREDENTIAL_DAYS,
    batchSize: raw.IDENTITY_BATCH_SIZE,
    enrolmentDays: raw.IDENTITY_ENROLMENT_DAYS,
    eid,
    verifierOrigins: raw.IDENTITY_VERIFIER_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustProxy: raw.IDENTITY_TRUST_PROXY,
  };
}
