import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../../models/db.ts';
import { type Config, loadConfig } from '../../server/config.ts';
import { type RunningInstance, startInstance } from '../../server/instance.ts';
import { type DatabaseKind, openTestDatabase } from './databases.ts';

/** A free TCP port on 127.0.0.1, so an instance knows its public URL before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'parvis-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A test configuration: loopback host and URL, a throwaway data folder, private addresses allowed. */
export function testConfig(port: number, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SECRET_KEY: randomBytes(32).toString('hex'),
    DATA_DIR: env.DATA_DIR ?? tempDir(),
    FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true',
    LOG_LEVEL: 'error',
    ...env,
  });
}

export type TestInstance = RunningInstance & { url: string; database: Database; config: Config };

/**
 * A real instance on a loopback port with its own fresh database (PGlite in memory or a new
 * PostgreSQL database). `close()` stops it and closes its database.
 */
export async function startTestInstance(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; database?: Database; port?: number } = {},
): Promise<TestInstance> {
  const port = options.port ?? (await freePort());
  const config = testConfig(port, options.env);
  const database = options.database ?? (await openTestDatabase(kind));
  const instance = await startInstance(config, { database });
  return {
    ...instance,
    url: `http://127.0.0.1:${port}`,
    database,
    config,
    async close() {
      await instance.close();
      if (!options.database) await database.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
