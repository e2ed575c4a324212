import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/ })
      .optional()
      .or(z.literal('').transform(() => undefined)),
    DATA_DIR: z.string().min(1).default('./data'),
    SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    NODE_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
    INSTANCE_NAME: z.string().trim().min(1).max(100).default('Parvis'),
    DEFAULT_LANGUAGE: z.enum(['fr', 'en']).default('fr'),
    LOG_LEVEL: z.enum(['debug', 'info', 'warning', 'error']).default('info'),
    TRUST_PROXY: bool.default(false),
    /** Test-only: lets federation reach loopback/private addresses. Refused in production. */
    FEDERATION_ALLOW_PRIVATE_ADDRESS: bool.default(false),
    /** How many deliveries/inbox jobs one worker process runs at once. */
    QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
    /** How long a claimed job is held before another worker may take it over (its worker died). */
    QUEUE_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
    /** Every outgoing federation request (delivery, key or actor fetch) is abandoned after this. */
    FEDERATION_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    /** Failed deliveries to one server, within the window below, before it is marked unavailable. */
    FEDERATION_UNAVAILABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(10),
    FEDERATION_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(600_000),
    /** How long an unavailable server is skipped before one delivery probes whether it is back. */
    FEDERATION_RETRY_UNAVAILABLE_AFTER_MS: z.coerce.number().int().min(100).default(1_800_000),
    /** Inbox POSTs whose signature is being checked at once by one web process (503 above). */
    INBOX_MAX_CONCURRENT: z.coerce.number().int().min(1).max(10_000).default(64),
    /** Maximum accepted size of an inbox POST body, in bytes. */
    INBOX_MAX_BYTES: z.coerce.number().int().min(1024).max(50_000_000).default(1_000_000),
    /** Comma-separated URLs of trusted identity services (credential issuers) whose badges are accepted. */
    IDENTITY_ISSUERS: z.string().default(''),
    /** Minimum population of an attribute combination before it is offered for disclosure. */
    BADGE_K_ANONYMITY: z.coerce.number().int().min(1).default(5),
    LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.FEDERATION_ALLOW_PRIVATE_ADDRESS) {
      ctx.addIssue({
        code: 'custom',
        path: ['FEDERATION_ALLOW_PRIVATE_ADDRESS'],
        message: 'is a test-only setting and is refused when NODE_ENV=production',
      });
    }
  });

export type Config = {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: URL;
  databaseUrl: string | undefined;
  dataDir: string;
  secretKey: string;
  role: 'all' | 'web' | 'worker';
  instanceName: string;
  defaultLanguage: 'fr' | 'en';
  logLevel: 'debug' | 'info' | 'warning' | 'error';
  trustProxy: boolean;
  allowPrivateAddress: boolean;
  queueConcurrency: number;
  queueLeaseMs: number;
  federationRequestTimeoutMs: number;
  federationUnavailableAfterFailures: number;
  federationFailureWindowMs: number;
  federationRetryUnavailableAfterMs: number;
  inboxMaxConcurrent: number;
  inboxMaxBytes: number;
  identityIssuers: URL[];
  badgeK: number;
  loginRateLimit: number;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once into a typed config; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const issuers: URL[] = [];
  for (const raw of e.IDENTITY_ISSUERS.split(',').map((s) => s.trim())) {
    if (!raw) continue;
    if (!URL.canParse(raw))
      throw new ConfigError(`Invalid configuration:\n  IDENTITY_ISSUERS: "${raw}" is not a URL`);
    issuers.push(new URL(raw));
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const publicUrl = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: new URL(publicUrl.origin),
    databaseUrl: e.DATABASE_URL,
    dataDir,
    secretKey: e.SECRET_KEY ?? loadOrCreateSecret(dataDir),
    role: e.NODE_ROLE,
    instanceName: e.INSTANCE_NAME,
    defaultLanguage: e.DEFAULT_LANGUAGE,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    allowPrivateAddress: e.FEDERATION_ALLOW_PRIVATE_ADDRESS,
    queueConcurrency: e.QUEUE_CONCURRENCY,
    queueLeaseMs: e.QUEUE_LEASE_MS,
    federationRequestTimeoutMs: e.FEDERATION_REQUEST_TIMEOUT_MS,
    federationUnavailableAfterFailures: e.FEDERATION_UNAVAILABLE_AFTER_FAILURES,
    federationFailureWindowMs: e.FEDERATION_FAILURE_WINDOW_MS,
    federationRetryUnavailableAfterMs: e.FEDERATION_RETRY_UNAVAILABLE_AFTER_MS,
    inboxMaxConcurrent: e.INBOX_MAX_CONCURRENT,
    inboxMaxBytes: e.INBOX_MAX_BYTES,
    identityIssuers: issuers,
    badgeK: e.BADGE_K_ANONYMITY,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
  };
}

/** Without SECRET_KEY, one is generated on first start and kept (mode 600) in the data folder. */
function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  mkdirSync(dataDir, { recursive: true });
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(48).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // Another process created it between our read and write: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
