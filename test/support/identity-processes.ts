import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** A real process of this repository, run with the Node that runs the tests (Node 24). */
export type Spawned = { child: ChildProcess; output: () => string; stop: () => Promise<void> };

export function spawnScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Spawned {
  const child = spawn(process.execPath, [path.join(root, script), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  if (stdin !== undefined) child.stdin?.end(`${stdin}\n`);
  else child.stdin?.end();
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function exited(spawned: Spawned): Promise<number | null> {
  if (spawned.child.exitCode !== null) return Promise.resolve(spawned.child.exitCode);
  return new Promise((resolve) => spawned.child.once('exit', (code) => resolve(code)));
}

/** Polls `url` until it answers 200, or fails with the process output. */
export async function waitFor(url: string, spawned: Spawned, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) throw new Error(`process exited early:\n${spawned.output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // connection refused while starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${url}:\n${spawned.output()}`);
}

export const randomSecret = () => randomBytes(32).toString('hex');
