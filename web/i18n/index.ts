import { en } from './en.ts';
import { fr, type MessageKey } from './fr.ts';

export type { MessageKey };
export const LANGUAGES = ['fr', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

const catalogues = { fr, en } satisfies Record<Lang, Record<MessageKey, string>>;

export function isLang(value: unknown): value is Lang {
  return value === 'fr' || value === 'en';
}

/** The translation function for one language; `{name}` placeholders are replaced by params. */
export function translator(lang: Lang): Translate {
  const messages = catalogues[lang];
  return (key, params) => {
    const message = messages[key];
    if (!params) return message;
    return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
      params[name] === undefined ? whole : String(params[name]),
    );
  };
}

/** The first supported language of an Accept-Language header, by quality. */
export function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { base: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((r) => r.base).find(isLang);
}

/**
 * The page language: `?lang=`, else the language cookie (set from `?lang=`), else the signed-in
 * account's preference, else the browser's Accept-Language, else the instance default.
 */
export function resolveLanguage(input: {
  query: unknown;
  cookie: string | undefined;
  account: Lang | null | undefined;
  acceptLanguage: string | undefined;
  fallback: Lang;
}): Lang {
  if (isLang(input.query)) return input.query;
  if (isLang(input.cookie)) return input.cookie;
  if (isLang(input.account)) return input.account;
  return fromAcceptLanguage(input.acceptLanguage) ?? input.fallback;
}
