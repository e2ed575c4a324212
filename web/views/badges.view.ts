import type { BadgeView, PublicBadge } from '../../models/badges.ops.ts';
import type { Persona } from '../../models/schema/index.ts';
import type { PageContext } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, type Page } from '../layout.ts';
import { errorNotice, type Notice, successNotice } from '../notice.ts';

/** The badges part of the personas settings: each persona's badges, and a notice after a change. */
export type BadgeSettings = {
  byPersona: Map<string, BadgeView[]>;
  notice?: Notice;
};

/** "Résident·e vérifié·e — quartier Centre — 30–39 ans · vérifié par Ville de X". */
export function badgeText(pc: PageContext, badge: Pick<BadgeView, 'label' | 'issuerName'>): string {
  return `${badge.label} · ${pc.t('badges.verifiedBy', { issuer: badge.issuerName })}`;
}

/** A persona's badges on its public page: an accessible list, or nothing at all. */
export function publicBadgeList(pc: PageContext, handle: string, badges: PublicBadge[]): SafeHtml {
  if (badges.length === 0) return html``;
  return html`<section class="badges" aria-labelledby="badges-title">
    <h2 id="badges-title">${pc.t('profile.badges')}</h2>
    <ul class="badge-list" aria-label="${pc.t('badges.listLabel', { handle })}">
      ${badges.map((b) => html`<li class="badge-verified">${badgeText(pc, b)}</li>`)}
    </ul>
  </section>`;
}

const ERRORS = new Map<string, MessageKey>([
  ['declined', 'badges.error.declined'],
  ['request-used', 'badges.error.requestUsed'],
  ['credential-already-used', 'badges.error.credentialUsed'],
  ['expired', 'badges.error.expired'],
  ['revoked', 'badges.error.revoked'],
  ['not-yours', 'badges.error.notYours'],
]);

/** The notice for `?badge=…` on the settings page (set by the badge routes and the wallet's return). */
export function badgeNotice(pc: PageContext, code: unknown): Notice | undefined {
  if (typeof code !== 'string' || code === '') return undefined;
  if (code === 'removed') return successNotice(pc.t('badges.removed'));
  const key = ERRORS.get(code);
  if (key) return errorNotice(pc.t(key));
  // Only the verifier's short reason codes are echoed; anything else reads as "refused".
  const shown = /^[a-z-]{1,40}$/.test(code) ? code : 'refused';
  return errorNotice(pc.t('badges.error.other', { code: shown }));
}

/** Under each persona in the settings: its badges with a remove button, and the request form. */
export function personaBadgesSection(pc: PageContext, p: Persona, badges: BadgeView[]): SafeHtml {
  const { t } = pc;
  const base = `/settings/personas/${p.handle}/badges`;
  const claim = (name: string, label: string, checked: boolean) => {
    const id = `claim-${p.handle}-${name}`;
    return html`<div class="field field-checkbox"><input type="checkbox" id="${id}" name="claims" value="${name}"${checked ? html` checked` : ''}>
      <label for="${id}">${label}</label></div>`;
  };
  return html`<section class="persona-badges" aria-labelledby="badges-${p.handle}">
    <h3 id="badges-${p.handle}">${t('badges.title')}<span class="visually-hidden"> @${p.handle}</span></h3>
    ${
      badges.length === 0
        ? html`<p>${t('badges.none')}</p>`
        : html`<ul class="badge-list">
        ${badges.map(
          (b) => html`<li><span class="badge-verified">${badgeText(pc, b)}</span>
            <form method="post" action="${base}/${b.id}/remove" class="inline-form">
              ${csrfField(pc)}
              <button type="submit" class="link-button">${t('badges.remove')}<span class="visually-hidden"> ${b.label}</span></button>
            </form></li>`,
        )}
      </ul>`
    }
    <form method="post" action="${base}/request" class="badge-request">
      ${csrfField(pc)}
      <fieldset>
        <legend>${t('badges.claims')}</legend>
        ${claim('resident_of', t('badges.claim.residentOf'), true)}
        ${claim('district', t('badges.claim.district'), false)}
        ${claim('age_range', t('badges.claim.ageRange'), true)}
      </fieldset>
      <p class="hint">${t('badges.requestHint')}</p>
      <button type="submit">${t('badges.request')}<span class="visually-hidden"> @${p.handle}</span></button>
    </form>
  </section>`;
}

/** The request form was sent without a known claim: nothing was asked of the wallet. */
export function badgeRequestErrorPage(pc: PageContext): Page {
  const { t } = pc;
  return {
    status: 400,
    title: t('badges.request'),
    hasErrors: true,
    noindex: true,
    notice: errorNotice(t('badges.error.noClaim')),
    body: html`<h1>${t('badges.request')}</h1>
      <p><a href="/settings/personas">${t('personas.back')}</a></p>`,
  };
}

export function removeBadgePage(pc: PageContext, persona: Persona, badge: BadgeView): Page {
  const { t } = pc;
  const title = t('badges.removeTitle', { handle: persona.handle });
  return {
    title,
    noindex: true,
    body: html`<h1>${title}</h1>
      <p>${t('badges.removeWarning', { label: badgeText(pc, badge), handle: persona.handle })}</p>
      <form method="post" action="/settings/personas/${persona.handle}/badges/${badge.id}/remove">
        ${csrfField(pc)}
        <input type="hidden" name="confirm" value="yes">
        <button type="submit" class="danger">${t('badges.removeConfirm', { handle: persona.handle })}</button>
      </form>
      <p><a href="/settings/personas">${t('form.cancel')}</a></p>`,
  };
}
