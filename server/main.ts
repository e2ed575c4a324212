import { DataDirLockedError } from '../models/pglite-lock.ts';
import { ConfigError, loadConfig } from './config.ts';
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
    instance = await startInstance(config);
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
