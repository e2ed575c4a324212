import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { type IdentityConfig, loadConfig } from '../../identity/config.ts';
import { type IdentityDatabase, openIdentityDb } from '../../identity/db.ts';
import { createIdentityApp } from '../../identity/service/app.ts';
import type { ServiceContext } from '../../identity/service/context.ts';
import type { DatabaseKind } from './databases.ts';

async function adminQuery(query: string) {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/** An empty PostgreSQL database for an identity service process (it migrates it itself). */
export async function createIdentityPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `parvis_identity_test_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** A database for the identity service: in-memory PGlite, or a fresh PostgreSQL database dropped afterwards. */
export async function openIdentityTestDb(
  kind: DatabaseKind,
): Promise<{ handle: IdentityDatabase; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const handle = await openIdentityDb({ kind: 'pglite-memory' });
    return { handle, drop: () => handle.close() };
  }
  const { url, drop } = await createIdentityPostgresDatabase();
  const handle = await openIdentityDb({ kind: 'postgres', url, poolMax: 5 });
  return {
    handle,
    drop: async () => {
      await handle.close();
      await drop();
    },
  };
}

export function identityTestConfig(overrides: Record<string, string> = {}): IdentityConfig {
  return loadConfig({
    IDENTITY_PUBLIC_URL: 'http://127.0.0.1:4000',
    IDENTITY_TOWN: 'Parvis-sur-Loire',
    IDENTITY_DISTRICTS: 'Centre,Gare,Les Prés',
    IDENTITY_K: '1',
    IDENTITY_BATCH_SIZE: '5',
    ...overrides,
  });
}

export function testContext(
  db: IdentityDatabase,
  config: IdentityConfig,
  now: () => Date = () => new Date(),
): ServiceContext {
  return { db: db.db, config, secret: 'test-secret-key-0123456789abcdefghijklmnop', now };
}

/**
 * Starts the service's app on a loopback port (the holder and verifier need real HTTP);
 * `publicUrl` is set to the real address.
 */
export async function startIdentityApp(
  db: IdentityDatabase,
  overrides: Record<string, string> = {},
): Promise<{ ctx: ServiceContext; url: string; close: () => Promise<void> }> {
  const probe = createIdentityApp(testContext(db, identityTestConfig(overrides))).listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const url = `http://127.0.0.1:${port}`;
  const ctx = testContext(db, identityTestConfig({ IDENTITY_PUBLIC_URL: url, ...overrides }));
  const server = createIdentityApp(ctx).listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    ctx,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
