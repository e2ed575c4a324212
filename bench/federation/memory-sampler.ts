import { memoryOf } from './processes.ts';

export type MemorySample = { pid: number; startKb: number; peakKb: number; endKb: number };

/** Samples the RSS of `pids` every `intervalMs` from /proc/<pid>/status until stopped. */
export function sampleMemory(pids: number[], intervalMs = 50): { stop(): MemorySample[] } {
  const samples = new Map<number, MemorySample>();
  const take = () => {
    for (const pid of pids) {
      const m = memoryOf(pid);
      if (!m) continue;
      const s = samples.get(pid);
      if (!s) samples.set(pid, { pid, startKb: m.rssKb, peakKb: m.rssKb, endKb: m.rssKb });
      else {
        s.peakKb = Math.max(s.peakKb, m.rssKb);
        s.endKb = m.rssKb;
      }
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return [...samples.values()];
    },
  };
}
