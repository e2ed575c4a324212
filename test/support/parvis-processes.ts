import { randomBytes } from 'node:crypto';
import { type Spawned, spawnScript, waitFor } from './identity-processes.ts';

export type Role = 'all' | 'web' | 'worker';

/**
 * Parvis instances run as real `server/main.ts` child processes, all sharing one public URL and
 * secret, so processes started later (another worker, a restart on the same data folder) act
 * as the same server.
 */
export class ParvisCluster {
  readonly url: string;
  readonly #env: Record<string, string>;
  readonly processes: Spawned[] = [];

  /** `env` picks the database (`DATABASE_URL` or `DATA_DIR`) and the queue settings. */
  constructor(port: number, env: Record<string, string>) {
    this.url = `http://127.0.0.1:${port}`;
    this.#env = {
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: this.url,
      SECRET_KEY: randomBytes(32).toString('hex'),
      FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true',
      // info: a worker announces it has started (it serves no HTTP to poll).
      LOG_LEVEL: 'info',
      ...env,
    };
  }

  /** Starts a process in `role` and waits until it serves HTTP (all, web) or has started (worker). */
  async start(role: Role, env: Record<string, string> = {}): Promise<Spawned> {
    const spawned = spawnScript('server/main.ts', [], { ...this.#env, NODE_ROLE: role, ...env });
    this.processes.push(spawned);
    if (role !== 'worker') await waitFor(`${this.url}/healthz`, spawned);
    else await waitForOutput(spawned, /Parvis \('?worker'?\) started/);
    return spawned;
  }

  /** Kills one process with SIGKILL (no clean-up of any kind) and waits until it is gone. */
  async kill(spawned: Spawned): Promise<void> {
    const gone = new Promise<void>((resolve) => spawned.child.once('exit', () => resolve()));
    if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
      spawned.child.kill('SIGKILL');
      await gone;
    }
  }

  /** Stops every process still running (SIGTERM: they finish and release what they hold). */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }

  /** Every log line (stack traces left out) each process printed, to explain a failure. */
  output(): string {
    return this.processes
      .map((p, n) => {
        const lines = p
          .output()
          .split('\n')
          .filter((line) => /^\d\d:\d\d:\d\d\.\d+ [A-Z]{3} /.test(line));
        return `--- process ${n} (pid ${p.child.pid}) ---\n${lines.slice(-200).join('\n')}`;
      })
      .join('\n');
  }
}

async function waitForOutput(spawned: Spawned, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(spawned.output())) {
    if (spawned.child.exitCode !== null) throw new Error(`process exited early:\n${spawned.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${spawned.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
