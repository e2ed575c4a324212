import { cpuMsOf } from './processes.ts';
import type { Target } from './target.ts';

/** CPU time (user + system, ms) one phase cost, by who spent it. */
export type CpuUse = {
  /** Every process of the server under test. */
  serverMs: number;
  /** The part of `serverMs` spent in the kernel (system calls: sockets, mostly). */
  serverSystemMs: number;
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
  const zero = { user: 0, system: 0 };
  const at = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuMsOf(pid) ?? zero]));
  const server = at(target.serverPids());
  const database = at(await target.databasePids());
  const simulator = process.cpuUsage();
  const spent = (start: Map<number, { user: number; system: number }>, pids: number[]) => {
    let user = 0;
    let system = 0;
    for (const pid of pids) {
      const now = cpuMsOf(pid) ?? zero;
      const then = start.get(pid) ?? zero;
      user += Math.max(0, now.user - then.user);
      system += Math.max(0, now.system - then.system);
    }
    return { total: user + system, system };
  };
  return {
    async stop() {
      const used = process.cpuUsage(simulator);
      const s = spent(server, target.serverPids());
      return {
        serverMs: s.total,
        serverSystemMs: s.system,
        databaseMs: spent(database, await target.databasePids()).total,
        simulatorMs: (used.user + used.system) / 1000,
      };
    },
  };
}
