import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { type PageContext, pageContext } from './context.ts';
import { html } from './html.ts';
import type { MessageKey } from './i18n/index.ts';
import { sendPage } from './layout.ts';

const log = logger('web');

type ErrorKind = { status: number; title: MessageKey; text: MessageKey };

const KINDS = {
  forbidden: { status: 403, title: 'error.403.title', text: 'error.403.text' },
  csrf: { status: 403, title: 'error.csrf.title', text: 'error.csrf.text' },
  notFound: { status: 404, title: 'error.404.title', text: 'error.404.text' },
  server: { status: 500, title: 'error.500.title', text: 'error.500.text' },
} satisfies Record<string, ErrorKind>;

export function sendError(res: Response, pc: PageContext, kind: keyof typeof KINDS): void {
  const k = KINDS[kind];
  sendPage(res, pc, {
    status: k.status,
    title: pc.t(k.title),
    noindex: true,
    body: html`<h1>${pc.t(k.title)}</h1>
      <p>${pc.t(k.text)}</p>
      <p><a href="/">${pc.t('error.backHome')}</a></p>`,
  });
}

/** Renders an error page, falling back to plain text if even that fails (database down…). */
export async function renderError(
  ctx: AppContext,
  req: Request,
  res: Response,
  kind: keyof typeof KINDS,
): Promise<void> {
  try {
    sendError(res, await pageContext(ctx, req), kind);
  } catch (error) {
    log.error('Rendering the {kind} page failed: {error}', { kind, error });
    if (!res.headersSent) res.status(KINDS[kind].status).type('text/plain; charset=utf-8').send('Error');
  }
}

/** The CSRF check's failure answer: a 403 page in the layout; nothing was written. */
export function csrfFailurePage(ctx: AppContext) {
  return (req: Request, res: Response) => {
    void renderError(ctx, req, res, 'csrf');
  };
}

/** Last in the web router: the 404 page for unknown paths, and the 500 page for failures. */
export function webFallbacks(ctx: AppContext) {
  return [
    (req: Request, res: Response) => renderError(ctx, req, res, 'notFound'),
    (err: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) return next(err);
      const e = err as { status?: number; type?: string };
      // Body-parser errors (too large, malformed) belong to the app's generic handler.
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return next(err);
      log.error('A page failed: {error}', { error: err });
      void renderError(ctx, req, res, 'server');
    },
  ];
}
