import type { DistrictRow, Persona } from '../../models/schema/index.ts';
import type { PageContext } from '../context.ts';
import {
  checkboxField,
  errorSummary,
  type FormErrors,
  type FormValues,
  inputField,
  selectField,
  textareaField,
} from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField, type Page } from '../layout.ts';
import type { Notice } from '../notice.ts';
import { type BadgeSettings, personaBadgesSection } from './badges.view.ts';

function labels(pc: PageContext) {
  return {
    handle: pc.t('field.handle'),
    displayName: pc.t('field.displayName'),
    bio: pc.t('field.bio'),
    district: pc.t('field.district'),
  };
}

function districtOptions(pc: PageContext, districts: DistrictRow[]) {
  return [
    { value: '', label: pc.t('field.district.none') },
    ...districts.map((d) => ({ value: d.slug, label: d.name })),
  ];
}

function profileFields(
  pc: PageContext,
  districts: DistrictRow[],
  values: FormValues,
  errors: FormErrors,
): SafeHtml {
  const l = labels(pc);
  return html`${inputField({ name: 'displayName', label: l.displayName, value: values.displayName, error: errors.displayName, hint: pc.t('field.displayName.hint'), required: true, maxlength: 60 })}
    ${textareaField({ name: 'bio', label: l.bio, value: values.bio, error: errors.bio, hint: pc.t('field.bio.hint'), maxlength: 500 })}
    ${selectField({ name: 'district', label: l.district, value: values.district, error: errors.district, hint: pc.t('field.district.hint'), options: districtOptions(pc, districts) })}`;
}

export function personasPage(
  pc: PageContext,
  districts: DistrictRow[],
  values: FormValues = {},
  errors: FormErrors = {},
  status = 200,
  notice?: Notice,
  badges?: BadgeSettings,
): Page {
  const { t } = pc;
  const active = pc.activePersona;
  return {
    status,
    title: t('personas.title'),
    // A badge's outcome (`?badge=…`) and a persona's (`?done=…`) never come back together.
    notice: badges?.notice ?? notice,
    hasErrors: Object.keys(errors).length > 0,
    body: html`<h1>${t('personas.title')}</h1>
      <p>${t('personas.intro')}</p>
      <section aria-labelledby="list-title">
        <h2 id="list-title">${t('personas.listTitle')}</h2>
        <ul class="persona-list">
          ${pc.personas.map((p) => personaItem(pc, p, p.id === active?.id, badges))}
        </ul>
      </section>
      <section aria-labelledby="create-title">
        <h2 id="create-title">${t('personas.createTitle')}</h2>
        ${errorSummary(pc, errors, labels(pc))}
        <form method="post" action="/settings/personas" novalidate>
          ${csrfField(pc)}
          ${inputField({ name: 'handle', label: t('field.handle'), value: values.handle, error: errors.handle, hint: t('field.handle.hint'), required: true, maxlength: 31, autocomplete: 'off' })}
          ${profileFields(pc, districts, values, errors)}
          <button type="submit">${t('personas.create')}</button>
        </form>
      </section>`,
  };
}

function personaItem(pc: PageContext, p: Persona, isActive: boolean, badges?: BadgeSettings): SafeHtml {
  const { t } = pc;
  return html`<li class="persona-item${isActive ? ' is-active' : ''}">
    <p><strong>${p.displayName}</strong> <span class="handle">@${p.handle}</span>
      ${isActive ? html`<span class="tag">${t('personas.active')}</span>` : ''}</p>
    <ul class="actions">
      <li><a href="/@${p.handle}">${t('personas.viewPublic')}<span class="visually-hidden"> @${p.handle}</span></a></li>
      <li><a href="/settings/personas/${p.handle}/edit">${t('personas.edit')}<span class="visually-hidden"> @${p.handle}</span></a></li>
      ${
        pc.personas.length > 1
          ? html`<li><a href="/settings/personas/${p.handle}/delete">${t('personas.delete')}<span class="visually-hidden"> @${p.handle}</span></a></li>`
          : ''
      }
      ${
        isActive
          ? ''
          : html`<li><form method="post" action="/settings/active-persona" class="inline-form">
            ${csrfField(pc)}
            <input type="hidden" name="handle" value="${p.handle}">
            <input type="hidden" name="next" value="/settings/personas?done=switched">
            <button type="submit" class="link-button">${t('personas.makeActive')}<span class="visually-hidden"> @${p.handle}</span></button>
          </form></li>`
      }
    </ul>
    ${badges ? personaBadgesSection(pc, p, badges.byPersona.get(p.id) ?? []) : ''}
  </li>`;
}

export function editPersonaPage(
  pc: PageContext,
  persona: Persona,
  districts: DistrictRow[],
  values: FormValues,
  errors: FormErrors = {},
  status = 200,
): Page {
  const { t } = pc;
  const title = t('personas.editTitle', { handle: persona.handle });
  return {
    status,
    title,
    hasErrors: Object.keys(errors).length > 0,
    body: html`<h1>${title}</h1>
      <p>${t('personas.editIntro')}</p>
      ${errorSummary(pc, errors, labels(pc))}
      <form method="post" action="/settings/personas/${persona.handle}/edit" novalidate>
        ${csrfField(pc)}
        ${profileFields(pc, districts, values, errors)}
        ${checkboxField({ name: 'indexable', label: t('field.indexable'), checked: values.indexable === 'on', hint: t('field.indexable.hint') })}
        <button type="submit">${t('form.save')}</button>
      </form>
      <p><a href="/settings/personas">${t('personas.back')}</a></p>`,
  };
}

export function deletePersonaPage(pc: PageContext, persona: Persona, error?: string, status = 200): Page {
  const { t } = pc;
  const title = t('personas.deleteTitle', { handle: persona.handle });
  return {
    status,
    title,
    hasErrors: Boolean(error),
    body: html`<h1>${title}</h1>
      ${error ? errorSummary(pc, { _form: error }, {}) : ''}
      <p>${t('personas.deleteWarning')}</p>
      <form method="post" action="/settings/personas/${persona.handle}/delete">
        ${csrfField(pc)}
        <input type="hidden" name="confirm" value="yes">
        <button type="submit" class="danger">${t('personas.deleteConfirm', { handle: persona.handle })}</button>
      </form>
      <p><a href="/settings/personas">${t('form.cancel')}</a></p>`,
  };
}
