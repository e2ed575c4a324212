import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { type BareCosts, LOCAL_KEY_BITS, REMOTE_KEY_BITS } from './bare-crypto.ts';
import type { CpuUse } from './cpu-meter.ts';
import type { BurstResult, FollowResult, PostResult } from './scenarios.ts';

export type TargetResult = {
  label: string;
  follows: FollowResult;
  posts: PostResult[];
  burst: BurstResult;
};

export type RunResult = {
  /** HEAD when the run started (the shared checkout may move on while it runs). */
  commit: string;
  /** Whether the working tree had uncommitted changes under the measured code, at start or end. */
  dirty: boolean;
  /** HEAD when the run ended, when other commits landed meanwhile. */
  commitAtEnd?: string;
  machine: { cpu: string; cores: number; ramGb: number; node: string; loadAverage: number[] };
  date: string;
  options: { instances: number; followersPerInstance: number; burst: number; concurrency: number };
  bare: BareCosts;
  targets: TargetResult[];
  checks: Check[];
};

export type Check = { target: string; goal: string; value: string; met: boolean };

export function machine(): RunResult['machine'] {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function commit(): { commit: string; dirty: boolean } {
  const sha = execSync('git rev-parse --short HEAD').toString().trim();
  // The measured code: what Parvis runs and the benchmark itself (not its README or results).
  const status = execSync(
    "git status --porcelain -- federation models server bench ':!bench/README.md' ':!bench/results'",
  )
    .toString()
    .trim();
  return { commit: sha, dirty: status.length > 0 };
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

/** The issue's targets, each Parvis result against the bare crypto cost and the baseline. */
export function checks(bare: BareCosts, targets: TargetResult[]): Check[] {
  const baseline = targets.find((t) => t.label === 'plain Fedify');
  const out: Check[] = [];
  for (const t of targets) {
    if (t === baseline) continue;
    const post = t.posts[0];
    if (post) {
      const ratio = post.msToLastArrival / bare.postSignatures.ms;
      out.push({
        target: t.label,
        goal: 'post: last arrival ≤ 4× bare signing of one request per instance',
        value: `${Math.round(post.msToLastArrival)} ms = ${r1(ratio)}× ${Math.round(bare.postSignatures.ms)} ms`,
        met: post.finished && ratio <= 4,
      });
      const b = baseline?.posts[0];
      if (b) {
        const vs = post.msToLastArrival / b.msToLastArrival;
        out.push({
          target: t.label,
          goal: 'post: last arrival ≤ ½ of the baseline’s',
          value: `${r2(vs)}× (${Math.round(post.msToLastArrival)} vs ${Math.round(b.msToLastArrival)} ms)`,
          met: post.finished && vs <= 0.5,
        });
      }
      const all = t.posts.map((p) => p.requestsPerInstance);
      out.push({
        target: t.label,
        goal: 'post: exactly one request per instance',
        value: all.map((r) => `min ${r.min} / max ${r.max}`).join(', '),
        met: all.every((r) => r.min === 1 && r.max === 1),
      });
      const peaks = t.posts.map((p) => p.memory.reduce((s, m) => s + m.peakKb, 0));
      const [first, second] = peaks;
      if (first !== undefined && second !== undefined) {
        const growth = (second - first) / first;
        out.push({
          target: t.label,
          goal: 'post: worker memory flat across two runs (peak RSS within 10%)',
          value: `${Math.round(first / 1024)} → ${Math.round(second / 1024)} MB`,
          met: Math.abs(growth) <= 0.1,
        });
      }
    }
    if (baseline) {
      const f = t.follows.perSecond / baseline.follows.perSecond;
      out.push({
        target: t.label,
        goal: 'follows: rate ≥ 2× the baseline’s',
        value: `${r2(f)}× (${r1(t.follows.perSecond)} vs ${r1(baseline.follows.perSecond)}/s)`,
        met: t.follows.finished && f >= 2,
      });
      const i = t.burst.processedPerSecond / baseline.burst.processedPerSecond;
      out.push({
        target: t.label,
        goal: 'inbox burst: processed rate ≥ 1.5× the baseline’s',
        value: `${r2(i)}× (${r1(t.burst.processedPerSecond)} vs ${r1(baseline.burst.processedPerSecond)}/s)`,
        met: t.burst.finished && i >= 1.5,
      });
    }
  }
  return out;
}

/** Markdown: one row per target and scenario, then the targets checked. */
export function markdown(run: RunResult): string {
  const { bare } = run;
  const m = run.machine;
  const lines = [
    `Commit ${run.commit}${run.commitAtEnd ? ` (${run.commitAtEnd} at the end)` : ''}${run.dirty ? ' (+ uncommitted changes)' : ''}, ${run.date}, ${m.cores}× ${m.cpu}, ${m.ramGb} GB RAM, Node ${m.node}, load ${m.loadAverage.join(' ')}; ` +
      `${run.options.instances} instances × ${run.options.followersPerInstance} followers, burst ${run.options.burst}, ` +
      `client concurrency ${run.options.concurrency}.`,
    '',
    `Bare node:crypto, one core, RSA-${LOCAL_KEY_BITS} signatures and RSA-${REMOTE_KEY_BITS} verifications: ${bare.postSignatures.operations} signatures ${Math.round(bare.postSignatures.ms)} ms; ` +
      `${bare.followVerifications.operations} verifications ${Math.round(bare.followVerifications.ms)} ms + ${bare.followSignatures.operations} signatures ${Math.round(bare.followSignatures.ms)} ms; ` +
      `${bare.burstVerifications.operations} verifications ${Math.round(bare.burstVerifications.ms)} ms.`,
    '',
    '| target | follows: to last Accept | follows/s | × bare | post: to last arrival | × bare | req./instance | worker RSS peak (run 1 → 2) | burst accepted/s | burst processed/s | × bare |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const followBare = bare.followVerifications.ms + bare.followSignatures.ms;
  for (const t of run.targets) {
    const [p1, p2] = t.posts;
    const peak = (p: PostResult | undefined) =>
      p ? `${Math.round(p.memory.reduce((s, x) => s + x.peakKb, 0) / 1024)} MB` : '—';
    const done = (ok: boolean) => (ok ? '' : ' (unfinished)');
    lines.push(
      `| ${t.label} | ${r1(t.follows.msToLastAccept / 1000)} s${done(t.follows.finished)} | ${r1(t.follows.perSecond)} | ${r1(t.follows.msToLastAccept / followBare)}× ` +
        `| ${p1 ? `${Math.round(p1.msToLastArrival)} ms${done(p1.finished)}` : '—'}${p2 ? ` / ${Math.round(p2.msToLastArrival)} ms` : ''} ` +
        `| ${p1 ? `${r1(p1.msToLastArrival / bare.postSignatures.ms)}×` : '—'} ` +
        `| ${t.posts.map((p) => `${p.requestsPerInstance.min}–${p.requestsPerInstance.max}`).join(', ')} ` +
        `| ${peak(p1)} → ${peak(p2)} ` +
        `| ${Math.round(t.burst.acceptedPerSecond)} | ${Math.round(t.burst.processedPerSecond)}${done(t.burst.finished)} ` +
        `| ${r1(t.burst.msToProcessed / bare.burstVerifications.ms)}× |`,
    );
  }
  lines.push(
    '',
    'CPU time spent per activity (user + system, ms): server processes (of which in the kernel) / PostgreSQL backends / simulator:',
    '',
    '| target | per follow | per post delivery (run 1) | per burst activity |',
    '|---|---|---|---|',
  );
  for (const t of run.targets) {
    const per = (cpu: CpuUse, n: number) =>
      n > 0
        ? `${r1(cpu.serverMs / n)} (${r1(cpu.serverSystemMs / n)}) / ${r1(cpu.databaseMs / n)} / ${r1(cpu.simulatorMs / n)}`
        : '—';
    const p1 = t.posts[0];
    lines.push(
      `| ${t.label} | ${per(t.follows.cpu, t.follows.accepts)} | ${p1 ? per(p1.cpu, p1.reached) : '—'} | ${per(t.burst.cpu, t.burst.processed)} |`,
    );
  }
  lines.push('', '| target | goal | measured | met |', '|---|---|---|---|');
  for (const c of run.checks)
    lines.push(`| ${c.target} | ${c.goal} | ${c.value} | ${c.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}
