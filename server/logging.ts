import { AsyncLocalStorage } from 'node:async_hooks';
import { configure, getConsoleSink, getLogger, type LogLevel, reset } from '@logtape/logtape';

let configured = false;

/**
 * Configures LogTape once per process (Fedify logs through it too). Log lines never carry an
 * e-mail, an IP address or anything that ties a persona to an account.
 */
export async function setupLogging(level: LogLevel, options: { quiet?: boolean } = {}): Promise<void> {
  if (configured) await reset();
  configured = true;
  await configure({
    sinks: { console: getConsoleSink() },
    contextLocalStorage: new AsyncLocalStorage(),
    loggers: [
      { category: ['logtape', 'meta'], lowestLevel: 'warning', sinks: options.quiet ? [] : ['console'] },
      { category: ['parvis'], lowestLevel: level, sinks: options.quiet ? [] : ['console'] },
      {
        category: ['fedify'],
        lowestLevel: level === 'debug' ? 'info' : 'warning',
        sinks: options.quiet ? [] : ['console'],
      },
    ],
  });
}

export function logger(...category: string[]) {
  return getLogger(['parvis', ...category]);
}
