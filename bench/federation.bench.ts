// Federation benchmarks: a town hall with followers on many servers (bench/simulator/), driven
// against Parvis on PGlite and on PostgreSQL and against a plain-Fedify baseline, next to the
// bare RSA cost measured in the same run. See bench/README.md.
//   npm run bench:federation -- --instances 1000 --followers 10 --database both --target both
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measureBareCrypto } from './federation/bare-crypto.ts';
import { startBaseline } from './federation/baseline-target.ts';
import { type DatabaseChoice, startParvis } from './federation/parvis-target.ts';
import { checks, commit, machine, markdown, type RunResult, type TargetResult } from './federation/report.ts';
import { benchFollows, benchInboxBurst, benchPost, type Limits } from './federation/scenarios.ts';
import type { Target } from './federation/target.ts';
import { SimulatedFediverse } from './simulator/index.ts';

const USAGE = `Usage: npm run bench:federation -- [options]
  --instances <n>      simulated servers (default 1000)
  --followers <n>      followers per server (default 10)
  --burst <n>          activities in the inbox burst (default 1000, at most every follower)
  --database <d>       pglite | postgres | both (default both)
  --target <t>         parvis | baseline | both (default both)
  --concurrency <n>    requests the simulated followers send at once (default 32)
  --phase-timeout <s>  the longest one phase may take (default 600)
  --postgres <url>     PostgreSQL server for a scratch database (default postgres://postgres@127.0.0.1:5432/postgres)
  --out <file>         where the JSON results go (default bench/results/federation-<date>-<commit>.json)`;

function options() {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '1000' },
      followers: { type: 'string', default: '10' },
      burst: { type: 'string', default: '1000' },
      database: { type: 'string', default: 'both' },
      target: { type: 'string', default: 'both' },
      concurrency: { type: 'string', default: '32' },
      'phase-timeout': { type: 'string', default: '600' },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be an integer from ${min} to ${max}, got "${raw}"\n\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, raw: string, allowed: readonly T[]): T => {
    if (!(allowed as readonly string[]).includes(raw)) {
      console.error(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"\n\n${USAGE}`);
      process.exit(2);
    }
    return raw as T;
  };
  const instances = int('instances', values.instances, 1, 10_000);
  const followers = int('followers', values.followers, 1, 100);
  return {
    instances,
    followers,
    burst: Math.min(int('burst', values.burst, 1, 100_000), instances * followers),
    database: oneOf('database', values.database, ['pglite', 'postgres', 'both'] as const),
    target: oneOf('target', values.target, ['parvis', 'baseline', 'both'] as const),
    concurrency: int('concurrency', values.concurrency, 1, 256),
    phaseTimeoutMs: int('phase-timeout', values['phase-timeout'], 5, 3600) * 1000,
    postgres: values.postgres,
    out: values.out,
  };
}

const opts = options();
const limits: Limits = { concurrency: opts.concurrency, phaseTimeoutMs: opts.phaseTimeoutMs };
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

const atStart = commit();
log(`commit ${atStart.commit}${atStart.dirty ? ' + uncommitted changes' : ''}; measuring the bare RSA cost…`);
const bare = measureBareCrypto({
  instances: opts.instances,
  follows: opts.instances * opts.followers,
  burst: opts.burst,
});

log(`starting ${opts.instances} simulated servers × ${opts.followers} followers…`);
const sim = await SimulatedFediverse.start({
  instances: opts.instances,
  followersPerInstance: opts.followers,
  onKeyProgress: (done, missing) => log(`  keys generated ${done}/${missing}`),
});

const starters: { label: string; start: () => Promise<Target> }[] = [];
if (opts.target !== 'parvis') starters.push({ label: 'plain Fedify', start: startBaseline });
if (opts.target !== 'baseline') {
  const databases: DatabaseChoice[] = opts.database === 'both' ? ['pglite', 'postgres'] : [opts.database];
  for (const d of databases)
    starters.push({ label: `Parvis · ${d}`, start: () => startParvis(d, opts.postgres) });
}

const results: TargetResult[] = [];
try {
  for (const { label, start } of starters) {
    log(`${label}: starting`);
    const target = await start();
    try {
      log(`${label}: ${opts.instances * opts.followers} follows`);
      const follows = await benchFollows(sim, target, limits);
      log(`${label}: ${follows.accepts} accepted in ${Math.round(follows.msToLastAccept)} ms`);
      const posts = [];
      for (let run = 1; run <= 2; run++) {
        const post = await benchPost(sim, target, { ...limits, settleMs: 2000 });
        log(
          `${label}: post ${run} reached ${post.reached}/${post.instances} in ${post.msToLastArrival} ms (first after ${post.msToFirstArrival} ms)`,
        );
        posts.push(post);
      }
      const objectIri = posts[0]?.objectIri as string;
      const burst = await benchInboxBurst(sim, target, objectIri, opts.burst, limits);
      log(
        `${label}: burst processed ${burst.processed}/${burst.activities} in ${Math.round(burst.msToProcessed)} ms`,
      );
      results.push({ label: target.label, follows, posts, burst });
    } finally {
      await target.close();
    }
  }
} finally {
  await sim.close();
}

const atEnd = commit();
const run: RunResult = {
  commit: atStart.commit,
  dirty: atStart.dirty || atEnd.dirty,
  ...(atEnd.commit === atStart.commit ? {} : { commitAtEnd: atEnd.commit }),
  machine: machine(),
  date: new Date().toISOString(),
  options: {
    instances: opts.instances,
    followersPerInstance: opts.followers,
    burst: opts.burst,
    concurrency: opts.concurrency,
  },
  bare,
  targets: results,
  checks: checks(bare, results),
};
const out =
  opts.out ??
  path.join(
    import.meta.dirname,
    'results',
    `federation-${run.date.slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}-${run.commit}-${opts.instances}x${opts.followers}.json`,
  );
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(run, null, 2)}\n`);
console.log(markdown(run));
log(`results written to ${path.relative(process.cwd(), out)}`);
