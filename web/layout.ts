import type { Response } from 'express';
import type { PageContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { type Notice, noticeHtml } from './notice.ts';
import { staticUrl } from './static-files.ts';

export type Page = {
  title: string;
  body: SafeHtml;
  status?: number;
  /** Keeps the page out of search engines (meta robots and X-Robots-Tag). */
  noindex?: boolean;
  /** Prefixes the title with "Error:" so screen-reader users hear it first. */
  hasErrors?: boolean;
  /** The ActivityPub actor this page shows, so fediverse software can find it from the page's URL. */
  actorUrl?: string;
  /**
   * Other origins a form of this page may end up at (CSP `form-action` also governs the
   * redirect after a post): the pinned identity services' wallets, for the badge request.
   */
  formTargets?: string[];
  /** The outcome of the action that led here, announced at the top of the main content. */
  notice?: Notice;
};

export function csrfField(pc: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${pc.csrf()}">`;
}

function languageSwitcher(pc: PageContext): SafeHtml {
  const other = pc.lang === 'fr' ? 'en' : 'fr';
  const label = other === 'fr' ? 'Français' : 'English';
  return html`<nav class="lang-switcher" aria-label="${pc.t('layout.languageNav')}">
      <a href="${pc.path}?${pc.query ? `${pc.query}&` : ''}lang=${other}" lang="${other}" hreflang="${other}">${label}</a>
    </nav>`;
}

function personaSwitcher(pc: PageContext): SafeHtml {
  const active = pc.activePersona;
  if (!pc.account || !active) return html``;
  const others = pc.personas.filter((p) => p.id !== active.id);
  return html`<div class="persona-box">
      <p class="persona-current">${pc.t('layout.actingAs')}
        <a href="/@${active.handle}"><strong>${active.displayName}</strong> (@${active.handle})</a></p>
      ${
        others.length > 0
          ? html`<details class="persona-switcher">
          <summary>${pc.t('layout.switchPersona')}</summary>
          <ul>
            ${others.map(
              (p) => html`<li><form method="post" action="/settings/active-persona">
                ${csrfField(pc)}
                <input type="hidden" name="handle" value="${p.handle}">
                <input type="hidden" name="next" value="${pc.path}">
                <button type="submit" class="link-button">${p.displayName} (@${p.handle})</button>
              </form></li>`,
            )}
          </ul>
        </details>`
          : ''
      }
      <form method="post" action="/logout" class="logout-form">
        ${csrfField(pc)}
        <button type="submit" class="link-button">${pc.t('layout.logout')}</button>
      </form>
    </div>`;
}

function navLink(pc: PageContext, href: string, label: string): SafeHtml {
  const current = pc.path === href || (href !== '/' && pc.path.startsWith(`${href}/`));
  return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

export function layout(pc: PageContext, page: Page): SafeHtml {
  const { t } = pc;
  const title = page.hasErrors ? t('form.errorTitlePrefix', { title: page.title }) : page.title;
  return html`<!doctype html>
<html lang="${pc.lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} — ${pc.instance.name}</title>
  ${page.noindex ? html`<meta name="robots" content="noindex, nofollow">` : ''}
  ${page.actorUrl ? html`<link rel="alternate" type="application/activity+json" href="${page.actorUrl}">` : ''}
  <link rel="stylesheet" href="${staticUrl('parvis.css')}">
</head>
<body>
  <a class="skip-link" href="#main">${t('layout.skipLink')}</a>
  <header class="site-header">
    <div class="wrap header-inner">
      <a class="brand" href="/">${pc.instance.name}</a>
      <nav class="main-nav" aria-label="${t('layout.mainNav')}">
        <ul>
          ${navLink(pc, '/', t('nav.home'))}
          ${navLink(pc, '/districts', t('nav.districts'))}
          ${
            pc.account
              ? html`${navLink(pc, '/feed', t('feed.title'))}
                ${navLink(pc, '/settings/personas', t('nav.personas'))}
                ${navLink(pc, '/settings/account', t('nav.account'))}
                ${pc.account.role === 'admin' ? navLink(pc, '/admin/territory', t('nav.admin')) : ''}`
              : html`${navLink(pc, '/login', t('nav.login'))}${navLink(pc, '/signup', t('nav.signup'))}`
          }
        </ul>
      </nav>
      ${languageSwitcher(pc)}
      ${personaSwitcher(pc)}
    </div>
  </header>
  <main id="main" tabindex="-1" class="wrap">
${noticeHtml(page.notice, { focus: page.notice?.kind === 'error' || !page.hasErrors })}
${page.body}
  </main>
  <footer class="site-footer">
    <div class="wrap">
      <p><a href="/about/privacy">${t('nav.privacy')}</a> · ${t('layout.poweredBy')}</p>
    </div>
  </footer>
</body>
</html>
`;
}

/**
 * Pages use no inline script or style: the policy says so, so that markup slipped into a page
 * could neither run nor post a form to another site.
 */
const CSP = [
  "default-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Sends a page in the layout. Pages depend on the session, so no shared cache may keep them. */
export function sendPage(res: Response, pc: PageContext, page: Page): void {
  res.status(page.status ?? 200);
  res.set('Cache-Control', 'private, no-store');
  res.set('Content-Language', pc.lang);
  const targets = (page.formTargets ?? []).filter((origin) => /^https?:\/\/[^\s;,']+$/.test(origin));
  res.set(
    'Content-Security-Policy',
    targets.length > 0 ? CSP.replace("form-action 'self'", `form-action 'self' ${targets.join(' ')}`) : CSP,
  );
  if (page.noindex) res.set('X-Robots-Tag', 'noindex, nofollow');
  res.type('html').send(layout(pc, page).value);
}
