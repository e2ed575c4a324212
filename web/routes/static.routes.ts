import express, { Router } from 'express';
import { STATIC_DIR } from '../static-files.ts';

/**
 * /static: our CSS and images. Pages link them with a content hash (`?v=`), so those URLs are
 * cached for a year; a bare URL is cached briefly.
 */
export function staticFiles(): Router {
  const router = Router();
  router.use('/static', (req, res, next) => {
    res.set(
      'Cache-Control',
      typeof req.query.v === 'string' ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
    );
    next();
  });
  router.use(
    '/static',
    express.static(STATIC_DIR, { cacheControl: false, index: false, dotfiles: 'ignore' }),
  );
  return router;
}
