import { DataDirLockedError } from '../models/pglite-lock.ts';
import { ConfigError, loadConfig } from './config.ts';
import { demoAccountsSummary, seedDemo } from './demo/seed.ts';
import { startInstance } from './instance.ts';
import { logger, setupLogging } from './logging.ts';

// The entry point of `npm start`: configuration errors and a locked data folder end the process
// with a plain message, not a stack trace.
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  await setupLogging(config.logLevel);
  const log = logger('main');
  let instance: Awaited<ReturnType<typeof startInstance>>;
  try {
    // `npm start -- --demo` fills a fictional town first (only on an instance without residents).
    const demo = process.argv.includes('--demo');
    instance = await startInstance(config, {
      prepare: demo
        ? async (ctx) => {
            const result = await seedDemo(ctx, { name: config.instanceName });
            if (!result.ok) log.warn('The instance already has residents: demo data not added.');
            else console.log(demoAccountsSummary());
          }
        : undefined,
    });
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const where = instance.listenUrl
    ? ` listening on ${instance.listenUrl.href} (public URL ${config.publicUrl.href})`
    : '';
  log.info(`Parvis ({role}) started on {db}${where}`, { role: config.role, db: instance.ctx.database.kind });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('Stopping on {signal}', { signal });
    await instance.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
