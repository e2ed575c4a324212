import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export type Child = { name: string; process: ChildProcess; log: string };

/**
 * Starts `script` on this Node with `env`; its output goes to `logDir/<name>.log`.
 * `BENCH_CHILD_NODE_OPTIONS` is passed on as NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
export function startChild(name: string, script: string, env: Record<string, string>, logDir: string): Child {
  const log = path.join(logDir, `${name}.log`);
  const out = createWriteStream(log);
  const child = spawn(process.execPath, [path.join(repoRoot, script)], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.BENCH_CHILD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, process: child, log };
}

/** The last lines a child wrote, for an error message. */
export function tail(child: Child, lines = 20): string {
  try {
    return readFileSync(child.log, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export function stopChild(child: Child, graceMs = 15_000): Promise<void> {
  const p = child.process;
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Polls `check` every 100 ms until it returns true; fails after `timeoutMs`, or at once if a child died. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; children?: Child[] },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    for (const c of options.children ?? []) {
      if (c.process.exitCode !== null)
        throw new Error(`${c.name} exited while waiting for ${what}:\n${tail(c)}`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resident set size and its peak (kB) from /proc/<pid>/status (Linux). */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;

/** User and system CPU time (ms) a process has used so far, from /proc/<pid>/stat (Linux). */
export function cpuMsOf(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const ms = (ticks: string | undefined) => (Number(ticks) * 1000) / (clockTicks ?? 100);
    return { user: ms(fields[11]), system: ms(fields[12]) };
  } catch {
    return undefined;
  }
}
