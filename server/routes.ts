import type { Express, Router } from 'express';
import type passport from 'passport';
import type { AppContext } from './context.ts';

/**
 * The one place where routers are mounted. Each feature adds one line here, pointing at its
 * own router file, so app.ts stays a short description of the request pipeline.
 */
export function mountBeforeBodyParsers(_app: Express, _ctx: AppContext): void {}

export function mountApi(_api: Router, _ctx: AppContext, _passport: passport.PassportStatic): void {}

export function mountWeb(_web: Router, _ctx: AppContext, _passport: passport.PassportStatic): void {}
