import { Agent, setGlobalDispatcher } from 'undici';
import { logger } from '../server/logging.ts';

const log = logger('federation', 'http');

/**
 * A time limit on every outgoing HTTP request of the process. Fedify sends deliveries and
 * fetches actors and keys with the global `fetch` and no abort signal, so a server that accepts
 * the connection and never answers would hold a queue slot for minutes. Node's built-in `fetch`
 * goes through undici's global dispatcher: installing an Agent with connect, headers and body
 * timeouts makes such a request fail (`UND_ERR_HEADERS_TIMEOUT`, …), which Fedify treats as a
 * transport failure: the delivery is retried with back-off and counts toward the destination's
 * circuit breaker. Keep-alive stays on (undici's default), so a healthy server keeps its
 * connections between deliveries.
 *
 * The dispatcher is process-wide, not per instance: when several instances run in one process
 * (tests), the last call wins for all of them. Calling again with the same value changes nothing.
 * `undici` is pinned to the version bundled in our Node (`process.versions.undici`), so the
 * built-in `fetch` and this Agent speak the same dispatcher interface.
 */
let installed: { timeoutMs: number; agent: Agent } | undefined;

export function useOutgoingRequestTimeout(timeoutMs: number): void {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new RangeError(`the outgoing request timeout must be a positive integer, got ${timeoutMs}`);
  if (installed?.timeoutMs === timeoutMs) return;
  const previous = installed?.agent;
  const agent = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  setGlobalDispatcher(agent);
  installed = { timeoutMs, agent };
  log.debug('Outgoing HTTP requests now time out after {timeoutMs} ms', { timeoutMs });
  // Requests already running on the previous agent finish there; its idle connections close.
  previous?.close().catch((error: unknown) => {
    log.warn('Closing the previous outgoing HTTP agent failed: {error}', { error });
  });
}

/** The timeout installed in this process, if any (for diagnostics and tests). */
export function outgoingRequestTimeoutMs(): number | undefined {
  return installed?.timeoutMs;
}
