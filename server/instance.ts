import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildFederation, startFederationQueue } from '../federation/federation.ts';
import { registerOutbox } from '../federation/outbox.ts';
import { useOutgoingRequestTimeout } from '../federation/outgoing-http.ts';
import { type Database, databaseOptions, openDatabase } from '../models/db.ts';
import { DomainEvents } from '../models/events.ts';
import { pruneRateLimits } from '../models/rate-limits.ops.ts';
import { pruneSessions } from '../models/sessions.ops.ts';
import { createApp } from './app.ts';
import { registerBadgeCleanup, runBadgeHousekeeping } from './badges.jobs.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { logger } from './logging.ts';

const log = logger('instance');

export type RunningInstance = {
  ctx: AppContext;
  /** The HTTP server, when this process serves (role web or all). */
  server: Server | undefined;
  /** Where the server listens (may differ from PUBLIC_URL behind a proxy). */
  listenUrl: URL | undefined;
  close(): Promise<void>;
};

/**
 * Starts one Parvis process: opens and migrates the database, then serves HTTP (role web/all)
 * and runs background work (role worker/all). Used by `npm start` and by tests.
 */
export async function startInstance(
  config: Config,
  options: {
    database?: Database;
    /** Runs once the database is migrated and wired, before serving (e.g. demo data). */
    prepare?: (ctx: AppContext) => Promise<void>;
  } = {},
): Promise<RunningInstance> {
  // Process-wide: with several instances in one process (tests), the last one started sets it.
  useOutgoingRequestTimeout(config.federationRequestTimeoutMs);
  const database = options.database ?? (await openDatabase(databaseOptions(config)));
  const stops: (() => Promise<void> | void)[] = [];
  try {
    await database.migrate();
    const events = new DomainEvents((error, event) =>
      log.error('A handler of {type} failed: {error}', { type: event.type, error }),
    );
    const federation = buildFederation(config, database);
    const ctx: AppContext = { config, database, db: database.db, events, federation };
    stops.push(registerOutbox(ctx));
    stops.push(registerBadgeCleanup(ctx));
    await options.prepare?.(ctx);

    let server: Server | undefined;
    let listenUrl: URL | undefined;
    if (config.role !== 'worker') {
      const app = createApp(ctx);
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s));
        s.once('error', reject);
      });
      const addr = server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      listenUrl = new URL(
        `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`,
      );
      const s = server;
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      );
    }
    if (config.role !== 'web') {
      const housekeeping = () => {
        pruneSessions(database.db).catch((error) => log.warn('Pruning sessions failed: {error}', { error }));
        pruneRateLimits(database.db).catch((error) =>
          log.warn('Pruning rate limits failed: {error}', { error }),
        );
        runBadgeHousekeeping(ctx).catch((error) => log.warn('Badge housekeeping failed: {error}', { error }));
      };
      // A minute after start (a process restarted often still removes expired badges), then hourly.
      const first = setTimeout(housekeeping, 60_000);
      const timer = setInterval(housekeeping, 3600_000);
      first.unref();
      timer.unref();
      stops.push(() => {
        clearTimeout(first);
        clearInterval(timer);
      });
      // Deliveries and inbox jobs run only here; a web-only process just enqueues them.
      const queueAbort = new AbortController();
      const queue = startFederationQueue(ctx, queueAbort.signal).catch((error) =>
        log.error('The federation queue stopped: {error}', { error }),
      );
      stops.push(async () => {
        queueAbort.abort();
        await queue;
      });
    }

    let closed = false;
    return {
      ctx,
      server,
      listenUrl,
      async close() {
        if (closed) return;
        closed = true;
        for (const stop of stops.reverse()) await stop();
        if (!options.database) await database.close();
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop();
    if (!options.database) await database.close();
    throw err;
  }
}
