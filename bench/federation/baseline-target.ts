import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild, stopChild, waitUntil } from './processes.ts';
import { freePort, type Target } from './target.ts';

type Stats = { followers: number; processed: number };

/** Starts bench/baseline/plain-fedify.ts as its own process. */
export async function startBaseline(): Promise<Target> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const logDir = mkdtempSync(path.join(tmpdir(), 'parvis-bench-baseline-'));
  const child = startChild('plain-fedify', 'bench/baseline/plain-fedify.ts', { PORT: String(port) }, logDir);
  const stats = async (): Promise<Stats> => {
    const res = await fetch(`${origin}/_bench/stats`);
    if (!res.ok) throw new Error(`baseline stats: HTTP ${res.status}`);
    return (await res.json()) as Stats;
  };
  await waitUntil('the baseline to listen', async () => (await stats()).followers >= 0, {
    timeoutMs: 30_000,
    children: [child],
  });
  return {
    label: 'plain Fedify',
    origin,
    townHall: `${origin}/users/townhall`,
    async publish() {
      const res = await fetch(`${origin}/_bench/publish`, { method: 'POST' });
      if (!res.ok) throw new Error(`baseline publish: HTTP ${res.status}`);
      const body = (await res.json()) as { id: string; note: string };
      return { activityId: body.id, objectIri: body.note };
    },
    // The baseline counts every Create and Like it processed, whatever their object.
    likesProcessed: async () => (await stats()).processed,
    workerPids: () => (child.process.pid ? [child.process.pid] : []),
    serverPids: () => (child.process.pid ? [child.process.pid] : []),
    databasePids: async () => [],
    close: () => stopChild(child),
  };
}
