import type { NextFunction, Request, Response } from 'express';
import { listAccountPersonas } from '../models/personas.ops.ts';
import type { Account, Persona } from '../models/schema/index.ts';
import { getInstanceSettings, type InstanceSettings } from '../models/territory.ops.ts';
import type { AppContext } from '../server/context.ts';
import { csrfToken } from '../server/csrf.ts';
import { html, type SafeHtml } from './html.ts';
import { type Lang, resolveLanguage, type Translate, translator } from './i18n/index.ts';

export const LANG_COOKIE = 'parvis.lang';

/** Everything the layout and the pages need to know about the request being answered. */
export type PageContext = {
  lang: Lang;
  t: Translate;
  /** The session's CSRF token; created on first call, so pages without forms set no cookie. */
  csrf: () => string;
  /** The current path (no query), for the language switcher and redirects back. */
  path: string;
  /** The query parameters the language switcher keeps (`cursor`, `next`, `delivery`), encoded. */
  query: string;
  account: Account | undefined;
  personas: Persona[];
  activePersona: Persona | undefined;
  instance: InstanceSettings;
  /** The language the town writes its own texts in (description, districts, institutions). */
  instanceLang: Lang;
};

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function requestLanguage(ctx: AppContext, req: Request): Lang {
  return resolveLanguage({
    query: req.query.lang,
    cookie: readCookie(req, LANG_COOKIE),
    account: req.user?.language,
    acceptLanguage: req.get('accept-language'),
    fallback: ctx.config.defaultLanguage,
  });
}

/** Remembers `?lang=` in a cookie for a year; first in the web router. */
export function languageCookie(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    const lang = req.query.lang;
    if (lang === 'fr' || lang === 'en') setLanguageCookie(ctx, res, lang);
    next();
  };
}

export function setLanguageCookie(ctx: AppContext, res: Response, lang: Lang): void {
  res.cookie(LANG_COOKIE, lang, {
    maxAge: 365 * 24 * 3600 * 1000,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.publicUrl.protocol === 'https:',
    path: '/',
  });
}

/**
 * The query parameters a page needs to show the same thing in the other language (paging,
 * login target, the admin's filter of servers by delivery state).
 */
const KEPT_ON_LANGUAGE_SWITCH = ['cursor', 'next', 'delivery'];

function queryWithoutLang(req: Request): string {
  const current = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  const kept = new URLSearchParams();
  for (const name of KEPT_ON_LANGUAGE_SWITCH) {
    const value = current.get(name);
    if (value !== null) kept.set(name, value);
  }
  return kept.toString();
}

export async function pageContext(ctx: AppContext, req: Request): Promise<PageContext> {
  const lang = requestLanguage(ctx, req);
  const account = req.user;
  const personas = account ? await listAccountPersonas(ctx.db, account.id) : [];
  const activePersona = personas.find((p) => p.id === account?.activePersonaId);
  return {
    lang,
    t: translator(lang),
    csrf: () => csrfToken(req),
    path: req.path,
    query: queryWithoutLang(req),
    account,
    personas,
    activePersona: activePersona ?? personas[0],
    instance: await getInstanceSettings(ctx.db, { name: ctx.config.instanceName }),
    instanceLang: ctx.config.defaultLanguage,
  };
}

/**
 * ` lang="…"` for a text the town wrote, on a page in another language: screen readers then
 * read it with the right voice (WCAG 3.1.2). Nothing when the page is in the town's language.
 */
export function townLang(pc: PageContext): SafeHtml {
  return pc.lang === pc.instanceLang ? html`` : html` lang="${pc.instanceLang}"`;
}

/** A same-site path to go back to after a form, or the fallback (never another origin). */
export function safeNext(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) {
    return fallback;
  }
  return value;
}
