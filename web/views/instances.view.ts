import type { KnownInstanceView } from '../../models/instances.ops.ts';
import type { DeliveryState } from '../../models/schema/index.ts';
import type { PageContext } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import type { MessageKey } from '../i18n/index.ts';
import { csrfField, type Page } from '../layout.ts';
import { errorNotice, successNotice } from '../notice.ts';
import { adminNav } from './admin-nav.view.ts';

export type InstancesFilter = 'all' | 'unavailable';

const STATE_TEXT = {
  available: 'admin.delivery.available',
  unavailable: 'admin.delivery.unavailable',
  probing: 'admin.delivery.probing',
} as const satisfies Record<DeliveryState, MessageKey>;

function when(pc: PageContext, date: Date | null): SafeHtml | string {
  if (!date) return '—';
  const text = date.toLocaleString(pc.lang === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  return html`<time datetime="${date.toISOString()}">${text} UTC</time>`;
}

function filterLink(pc: PageContext, filter: InstancesFilter, current: InstancesFilter): SafeHtml {
  const href = filter === 'all' ? '/admin/instances' : '/admin/instances?delivery=unavailable';
  const label = pc.t(filter === 'all' ? 'admin.instances.all' : 'admin.instances.unavailableOnly');
  return html`<li><a href="${href}"${filter === current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

function row(pc: PageContext, i: KnownInstanceView): SafeHtml {
  const { t } = pc;
  const held = i.deliveryState !== 'available';
  // The state is written out; the class only adds a colour next to it.
  return html`<tr>
    <th scope="row">${i.domain}</th>
    <td>${i.software ?? '—'}</td>
    <td><span class="delivery-state delivery-${i.deliveryState}">${t(STATE_TEXT[i.deliveryState])}</span></td>
    <td>${when(pc, i.unavailableSince)}</td>
    <td>${i.droppedActivities}</td>
    <td>${t(i.blocked ? 'admin.instances.yes' : 'admin.instances.no')}</td>
    <td>${
      held
        ? html`<form method="post" action="/admin/instances/${encodeURIComponent(i.domain)}/retry" class="inline-form">
        ${csrfField(pc)}
        <button type="submit">${t('admin.instances.retry')}<span class="visually-hidden"> (${i.domain})</span></button>
      </form>`
        : '—'
    }</td>
  </tr>`;
}

/** The servers this instance knows, whether our deliveries reach them, and "retry now". */
export function instancesPage(
  pc: PageContext,
  instances: KnownInstanceView[],
  options: { filter: InstancesFilter; status?: number; notice?: string; error?: string },
): Page {
  const { t } = pc;
  const empty =
    options.filter === 'unavailable' ? t('admin.instances.noneUnavailable') : t('admin.instances.none');
  return {
    status: options.status ?? 200,
    title: t('admin.instances.title'),
    noindex: true,
    hasErrors: options.error !== undefined,
    notice:
      options.error !== undefined
        ? errorNotice(options.error)
        : options.notice
          ? successNotice(options.notice)
          : undefined,
    body: html`${adminNav(pc)}
      <h1>${t('admin.instances.title')}</h1>
      <p>${t('admin.instances.intro')}</p>
      <nav aria-label="${t('admin.instances.filterNav')}">
        <ul class="actions">${filterLink(pc, 'all', options.filter)}${filterLink(pc, 'unavailable', options.filter)}</ul>
      </nav>
      ${
        instances.length === 0
          ? html`<p>${empty}</p>`
          : // On a narrow screen the table scrolls inside its box, which keyboard users can focus.
            html`<div class="table-scroll" role="region" aria-labelledby="instances-caption" tabindex="0">
        <table class="data-table">
          <caption id="instances-caption">${t(options.filter === 'unavailable' ? 'admin.instances.captionUnavailable' : 'admin.instances.caption')}</caption>
          <thead><tr>
            <th scope="col">${t('admin.instances.server')}</th>
            <th scope="col">${t('admin.instances.software')}</th>
            <th scope="col">${t('admin.instances.delivery')}</th>
            <th scope="col">${t('admin.instances.since')}</th>
            <th scope="col">${t('admin.instances.dropped')}</th>
            <th scope="col">${t('admin.instances.blocked')}</th>
            <th scope="col">${t('admin.instances.action')}</th>
          </tr></thead>
          <tbody>${instances.map((i) => row(pc, i))}</tbody>
        </table>
      </div>`
      }`,
  };
}
