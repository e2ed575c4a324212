import type { Federation } from '@fedify/fedify';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Express 5 ↔ Fedify (DECISIONS D3): turns the express request into a WHATWG Request, lets
 * Fedify answer, and hands over to the next middleware when Fedify has nothing for the path
 * (or cannot produce the representation asked for: the HTML page takes over).
 *
 * Only GET/HEAD and inbox POSTs reach Fedify: any other body must stay unread for the body
 * parsers further down. Inbox bodies arrive already read and checked (`res.locals.inboxBody`).
 */
export function fedifyHandler<T>(
  federation: Federation<T>,
  contextData: (req: Request) => T,
  options: {
    /** The public origin: signatures cover the URL the sender used, not the one behind a proxy. */
    origin: URL;
    isInbox: (path: string) => boolean;
    /** Whether Fedify may answer this path at all; the others go straight to `next()`. */
    handles: (path: string) => boolean;
    onNotAcceptable?: (req: Request, res: Response) => boolean;
  },
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!options.handles(req.path)) return next();
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    const inboxBody: unknown = res.locals.inboxBody;
    if (!isRead && !(req.method === 'POST' && options.isInbox(req.path) && inboxBody instanceof Uint8Array)) {
      return next();
    }
    // Concatenated, not resolved: a path like `//other.host/x` must stay a path on our origin.
    if (!req.originalUrl.startsWith('/')) return next();
    const url = new URL(`${options.origin.origin}${req.originalUrl}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const request = new Request(url, {
      method: req.method,
      headers,
      body: isRead ? undefined : (inboxBody as Uint8Array<ArrayBuffer>),
    });
    let handOver: 'not-found' | 'not-acceptable' | undefined;
    try {
      const response = await federation.fetch(request, {
        contextData: contextData(req),
        onNotFound: () => {
          handOver = 'not-found';
          return new Response(null, { status: 404 });
        },
        onNotAcceptable: () => {
          handOver = 'not-acceptable';
          return new Response(null, { status: 406 });
        },
      });
      if (handOver === 'not-acceptable' && options.onNotAcceptable?.(req, res)) return;
      if (handOver) return next();
      res.status(response.status);
      // Documents for fediverse software, not for search engines: people's actors, outboxes,
      // notes and WebFinger answers stay out of indexes like their pages (BRIEF: no indexing of people).
      res.setHeader('X-Robots-Tag', 'noindex, nofollow');
      response.headers.forEach((value, name) => {
        res.append(name, value);
      });
      const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      next(err);
    }
  };
}
