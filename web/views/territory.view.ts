import type { DistrictRow } from '../../models/schema/index.ts';
import type { InstanceSettings } from '../../models/territory.ops.ts';
import type { PageContext } from '../context.ts';
import { errorSummary, type FormErrors, type FormValues, inputField, textareaField } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField, type Page } from '../layout.ts';
import type { Notice } from '../notice.ts';
import { adminNav } from './admin-nav.view.ts';

export type TerritoryForm = { values?: FormValues; errors?: FormErrors };

function districtItem(pc: PageContext, d: DistrictRow, form: TerritoryForm): SafeHtml {
  const { t } = pc;
  const errors = form.errors ?? {};
  const v = form.values ?? {};
  const mine = v.slug === d.slug;
  return html`<li class="card">
    <h3>${d.name} <span class="handle">(${d.slug})</span></h3>
    <form method="post" action="/admin/territory/districts/${d.slug}" novalidate>
      ${csrfField(pc)}
      ${inputField({ name: 'name', id: `${d.slug}-name`, label: t('field.districtName'), value: mine ? v.name : d.name, error: errors[`${d.slug}-name`], required: true, maxlength: 100 })}
      ${textareaField({ name: 'description', id: `${d.slug}-description`, label: t('field.description'), value: mine ? v.description : d.description, error: errors[`${d.slug}-description`], maxlength: 2000 })}
      <button type="submit">${t('admin.renameDistrict')}<span class="visually-hidden"> ${d.name}</span></button>
    </form>
    <form method="post" action="/admin/territory/districts/${d.slug}/delete" class="inline-form">
      ${csrfField(pc)}
      <button type="submit" class="danger">${t('admin.deleteDistrict')}<span class="visually-hidden"> ${d.name}</span></button>
    </form>
  </li>`;
}

export function territoryPage(
  pc: PageContext,
  instance: InstanceSettings,
  districts: DistrictRow[],
  form: TerritoryForm = {},
  status = 200,
  notice?: Notice,
): Page {
  const { t } = pc;
  const errors = form.errors ?? {};
  const v = form.values ?? {};
  const labels: Record<string, string> = {
    'instance-name': t('field.instanceName'),
    'instance-description': t('field.description'),
    slug: t('field.slug'),
    name: t('field.districtName'),
    description: t('field.description'),
  };
  for (const d of districts) {
    labels[`${d.slug}-name`] = `${t('field.districtName')} (${d.name})`;
    labels[`${d.slug}-description`] = `${t('field.description')} (${d.name})`;
  }
  const creating = v.form === 'create';
  return {
    status,
    title: t('admin.title'),
    notice,
    hasErrors: Object.keys(errors).length > 0,
    body: html`${adminNav(pc)}
      <h1>${t('admin.title')}</h1>
      ${errorSummary(pc, errors, labels)}
      <section aria-labelledby="instance-title">
        <h2 id="instance-title">${t('admin.instanceTitle')}</h2>
        <form method="post" action="/admin/territory/instance" novalidate>
          ${csrfField(pc)}
          ${inputField({ name: 'name', id: 'instance-name', label: labels['instance-name']!, value: v.form === 'instance' ? v.name : instance.name, error: errors['instance-name'], required: true, maxlength: 100 })}
          ${textareaField({ name: 'description', id: 'instance-description', label: labels['instance-description']!, value: v.form === 'instance' ? v.description : instance.description, error: errors['instance-description'], maxlength: 2000 })}
          <button type="submit">${t('form.save')}</button>
        </form>
      </section>
      <section aria-labelledby="districts-admin-title">
        <h2 id="districts-admin-title">${t('districts.title')}</h2>
        ${districts.length ? html`<ul class="plain-list">${districts.map((d) => districtItem(pc, d, form))}</ul>` : html`<p>${t('districts.none')}</p>`}
      </section>
      <section aria-labelledby="district-create-title">
        <h2 id="district-create-title">${t('admin.createDistrict')}</h2>
        <form method="post" action="/admin/territory/districts" novalidate>
          ${csrfField(pc)}
          ${inputField({ name: 'slug', label: labels.slug!, value: creating ? v.slug : '', error: errors.slug, hint: t('field.slug.hint'), required: true, maxlength: 60 })}
          ${inputField({ name: 'name', label: labels.name!, value: creating ? v.name : '', error: errors.name, required: true, maxlength: 100 })}
          ${textareaField({ name: 'description', label: labels.description!, value: creating ? v.description : '', error: errors.description, maxlength: 2000 })}
          <button type="submit">${t('admin.createDistrict')}</button>
        </form>
      </section>`,
  };
}
