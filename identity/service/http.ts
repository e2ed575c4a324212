import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';

/** RFC 9457 problem details. */
export function problem(
  res: Response,
  status: number,
  title: string,
  detail?: string,
  extra?: Record<string, unknown>,
) {
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra }));
}

/** Parses a body with zod; on failure answers 400 and returns undefined. */
export function parseBody<T extends z.ZodType>(
  schema: T,
  req: Request,
  res: Response,
): z.infer<T> | undefined {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  problem(
    res,
    400,
    'Invalid request',
    parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  );
  return undefined;
}

export function cookies(req: Request): Record<string, string> {
  const header = req.headers.cookie ?? '';
  const result: Record<string, string> = {};
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name) result[name] = decodeURIComponent(rest.join('='));
  }
  return result;
}

export function bearer(req: Request): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export function wantsHtml(req: Request): boolean {
  return !req.is('application/json') && req.accepts(['json', 'html']) === 'html';
}

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** No caching and no referrer for every identity page: codes and offers travel in them. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.set({
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    // Pages carry no script except the wallet's, which sets its own policy.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  });
  next();
}
