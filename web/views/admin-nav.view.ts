import type { PageContext } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';

const SECTIONS: readonly { href: string; label: MessageKey }[] = [
  { href: '/admin/territory', label: 'admin.nav.territory' },
  { href: '/admin/instances', label: 'admin.nav.instances' },
];

/** Links between the administration pages, the current one marked for assistive technology. */
export function adminNav(pc: PageContext): SafeHtml {
  return html`<nav class="admin-nav" aria-label="${pc.t('admin.nav')}">
    <ul class="actions">${SECTIONS.map(
      (s) =>
        html`<li><a href="${s.href}"${pc.path === s.href ? html` aria-current="page"` : ''}>${pc.t(s.label)}</a></li>`,
    )}</ul>
  </nav>`;
}
