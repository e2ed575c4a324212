import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isAnyDomainBlocked } from '../models/instances.ops.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { sendProblem } from '../server/problem.ts';
import { INBOX_PATH_RE } from './constants.ts';

const log = logger('federation', 'inbox');

/** Seconds a sender is asked to wait when the inbox is saturated (Mastodon honours it). */
const BUSY_RETRY_AFTER_S = 10;

/**
 * Runs before Fedify on inbox POSTs: bounds how many are handled at once (503 with Retry-After
 * above `INBOX_MAX_CONCURRENT`, so a flood — each POST may wait on a remote key fetch — cannot
 * starve the pages and the API of this process), caps the body size (413, the rest is discarded
 * unread), refuses anything that is not a JSON object (400), and drops deliveries from blocked
 * servers before Fedify even fetches their keys (202: accepted and ignored, so they stop
 * retrying). Fedify then verifies the signature (401 when missing or wrong) and enqueues the
 * activity (202); handlers run in the queue, never in the request.
 */
export function inboxGuard(ctx: AppContext): RequestHandler {
  const limit = ctx.config.inboxMaxBytes;
  const maxConcurrent = ctx.config.inboxMaxConcurrent;
  let inFlight = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !INBOX_PATH_RE.test(req.path)) return next();
    if (inFlight >= maxConcurrent) return busy(req, res, maxConcurrent);
    inFlight++;
    res.once('close', () => {
      inFlight--;
    });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.off('data', onData);
        chunks.length = 0;
        return tooLarge(req, res);
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', (err) => {
      if (done) return;
      done = true;
      next(err);
    });
    req.once('end', () => {
      if (done) return;
      done = true;
      const body = Buffer.concat(chunks);
      checkBody(ctx, req, res, body)
        .then((ok) => {
          if (!ok) return;
          res.locals.inboxBody = new Uint8Array(body);
          next();
        })
        .catch(next);
    });
  };
}

function busy(req: Request, res: Response, max: number) {
  log.info('Inbox POST deferred: {max} already being handled', { max });
  req.resume();
  res.set('Retry-After', String(BUSY_RETRY_AFTER_S));
  sendProblem(res, 503, 'Busy', { detail: 'This server is handling many activities; retry later.' });
}

function tooLarge(req: Request, res: Response) {
  // Discard the rest without keeping it; answering while the client still sends would reset it.
  req.resume();
  sendProblem(res, 413, 'Payload too large', { detail: 'The activity is larger than this server accepts.' });
}

async function checkBody(ctx: AppContext, req: Request, res: Response, body: Buffer): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    log.debug('Inbox POST refused: malformed JSON ({error})', { error: String(error) });
    sendProblem(res, 400, 'Malformed JSON', { detail: 'The body is not a JSON document.' });
    return false;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    sendProblem(res, 400, 'Invalid activity', { detail: 'An activity is a JSON object.' });
    return false;
  }
  const actor = (json as { actor?: unknown }).actor;
  const actorId =
    typeof actor === 'string'
      ? actor
      : typeof actor === 'object' && actor
        ? (actor as { id?: unknown }).id
        : undefined;
  const hosts = [hostOf(actorId), hostOf(signatureKeyId(req.headers.signature))].filter(
    (h): h is string => h !== undefined,
  );
  if (await isAnyDomainBlocked(ctx.db, hosts)) {
    log.debug('Inbox POST from a blocked domain dropped ({hosts})', { hosts: hosts.join(', ') });
    res.status(202).end();
    return false;
  }
  return true;
}

function hostOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  return new URL(value).host;
}

/** The keyId of a draft-cavage `Signature` header (RFC 9421 senders are checked by actor only). */
function signatureKeyId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? /keyId="([^"]+)"/.exec(value)?.[1] : undefined;
}
