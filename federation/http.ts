import express, { type Router } from 'express';
import type { AppContext } from '../server/context.ts';
import { FEDERATION_PATH_RE, INBOX_PATH_RE } from './constants.ts';
import { fedifyHandler } from './express-adapter.ts';
import { inboxGuard } from './inbox-guard.ts';

const ACTOR_PAGE_RE = /^\/users\/([a-z0-9_]{2,30})\/?$/;

/**
 * Everything ActivityPub on the HTTP side, mounted before any body parser: the inbox guard
 * (size, JSON, blocked servers), then Fedify. A browser asking for an actor is sent to its page.
 */
export function federationRouter(ctx: AppContext): Router {
  const router = express.Router();
  router.use(inboxGuard(ctx));
  router.use(
    fedifyHandler(ctx.federation, () => ctx, {
      origin: ctx.config.publicUrl,
      isInbox: (path) => INBOX_PATH_RE.test(path),
      handles: (path) => FEDERATION_PATH_RE.test(path),
      onNotAcceptable: (req, res) => {
        const handle = ACTOR_PAGE_RE.exec(req.path)?.[1];
        if (!handle) return false;
        // The same URL answers JSON to servers: caches must keep the two apart.
        res.vary('Accept');
        res.redirect(303, `/@${handle}`);
        return true;
      },
    }),
  );
  return router;
}
