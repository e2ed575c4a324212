import { cpuMsOf } from './processes.ts';
import type { Target } from './target.ts';

/** CPU time (user + system, ms) one phase cost, by who spent it. */
export type CpuUse = {
  /** Every process of the server under test. */
  serverMs: number;
  /** PostgreSQL's backends serving it (0 for PGlite, which runs inside the server process). */
  databaseMs: number;
  /** This process: the simulated servers, the senders, the polling. */
  simulatorMs: number;
};

/**
 * Starts counting the CPU time of a phase. Backends that connect during the phase count from
 * their start; a backend that disconnects during it is missed (pools keep theirs open).
 */
export async function meterCpu(target: Target): Promise<{ stop(): Promise<CpuUse> }> {
  const at = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuMsOf(pid) ?? 0]));
  const server = at(target.serverPids());
  const database = at(await target.databasePids());
  const simulator = process.cpuUsage();
  const spent = (start: Map<number, number>, pids: number[]) =>
    pids.reduce((sum, pid) => sum + Math.max(0, (cpuMsOf(pid) ?? 0) - (start.get(pid) ?? 0)), 0);
  return {
    async stop() {
      const used = process.cpuUsage(simulator);
      return {
        serverMs: spent(server, target.serverPids()),
        databaseMs: spent(database, await target.databasePids()),
        simulatorMs: (used.user + used.system) / 1000,
      };
    },
  };
}
