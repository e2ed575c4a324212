import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';

/** A field that failed validation, as problem documents list them. */
export type FieldError = { field: string; message: string };

/** Errors as RFC 9457 problem documents (`application/problem+json`). */
export function sendProblem(
  res: Response,
  status: number,
  title: string,
  extra: { detail?: string; errors?: FieldError[]; type?: string } = {},
): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: extra.type ?? 'about:blank', title, status, detail: extra.detail, errors: extra.errors });
}

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
}

/**
 * Parses a request part with a zod schema; on failure answers 400 with the failing fields and
 * returns undefined, so a handler can `if (!body) return;` before touching anything.
 */
export function parseOr400<S extends z.ZodType>(
  res: Response,
  schema: S,
  value: unknown,
): z.output<S> | undefined {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  sendProblem(res, 400, 'Invalid request', { errors: zodFieldErrors(parsed.error) });
  return undefined;
}

/** Express error handler for /api routes: body-parser failures and unexpected errors as problems. */
export function apiErrorHandler(
  log: (message: string, error: unknown) => void,
): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') return sendProblem(res, 400, 'Malformed JSON body');
    if (e.type === 'entity.too.large') return sendProblem(res, 413, 'Request body too large');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
      return sendProblem(res, 415, 'Unsupported body encoding');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return sendProblem(res, e.status, e.message ?? 'Bad request');
    log('Unhandled error in API route', err);
    sendProblem(res, 500, 'Internal server error');
  };
}
