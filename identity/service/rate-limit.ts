import type { NextFunction, Request, Response } from 'express';
import { problem } from './http.ts';

/**
 * A small fixed-window limit per client address, in memory (one identity process). Counts
 * are kept for the window only and never written anywhere. The address is express's `req.ip`:
 * the socket's peer, or with IDENTITY_TRUST_PROXY the client the proxy names in X-Forwarded-For.
 */
export function rateLimit(options: { max: number; windowMs: number }) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    if (hits.size > 10_000) {
      for (const [key, entry] of hits) if (entry.resetAt <= now) hits.delete(key);
    }
    const key = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    let entry = hits.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { count: 0, resetAt: now + options.windowMs };
      hits.set(key, entry);
    }
    entry.count++;
    if (entry.count > options.max) {
      res.set('retry-after', String(Math.ceil((entry.resetAt - now) / 1000)));
      return problem(res, 429, 'Too many requests', 'try again later');
    }
    next();
  };
}
