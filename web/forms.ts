import type { z } from 'zod';
import type { PageContext } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import type { MessageKey } from './i18n/index.ts';

/** Field name → translated error message. */
export type FormErrors = Record<string, string>;
/** Field name → entered value, redisplayed after an error (never a password). */
export type FormValues = Record<string, string>;

export function fieldId(name: string): string {
  return `f-${name}`;
}

/**
 * Turns zod issues into one translated message per field. Messages come from our catalogue
 * (keyed by field), not from zod, so that they exist in every language.
 */
export function zodErrors(
  pc: PageContext,
  error: z.ZodError,
  messages: Record<string, MessageKey>,
): FormErrors {
  const errors: FormErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    const key = messages[field];
    if (field && !errors[field]) errors[field] = key ? pc.t(key) : pc.t('form.invalidField');
  }
  return errors;
}

/** The strings a form sent, for redisplay; passwords and the CSRF token are dropped. */
export function enteredValues(body: unknown, keep: readonly string[]): FormValues {
  const values: FormValues = {};
  const record = (body ?? {}) as Record<string, unknown>;
  for (const name of keep) {
    const v = record[name];
    if (typeof v === 'string') values[name] = v;
  }
  return values;
}

/**
 * The list of errors at the top of a form, each linking to its field (focus lands on it). The
 * summary takes focus when the page loads (`autofocus`: pages run no script), so keyboard and
 * screen-reader users start from the errors rather than from the top of the page.
 */
export function errorSummary(pc: PageContext, errors: FormErrors, labels: Record<string, string>): SafeHtml {
  const fields = Object.keys(errors);
  if (fields.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
    <h2 id="error-summary-title">${pc.t('form.errorSummary', { count: fields.length })}</h2>
    <ul>
      ${fields.map((f) =>
        // '_form' holds an error about the whole form, with no field to point at.
        f === '_form'
          ? html`<li>${errors[f]}</li>`
          : html`<li><a href="#${fieldId(f)}">${labels[f] ?? f}${pc.t('form.colon')}${errors[f]}</a></li>`,
      )}
    </ul>
  </div>`;
}

type FieldOptions = {
  name: string;
  /** Id suffix when one page holds several fields of the same name (defaults to the name). */
  id?: string;
  label: string;
  value?: string;
  error?: string;
  hint?: string;
  type?: 'text' | 'email' | 'password';
  autocomplete?: string;
  required?: boolean;
  maxlength?: number;
};

type Described = { name: string; id?: string; error?: string; hint?: string };

function idOf(o: Described): string {
  return fieldId(o.id ?? o.name);
}

function describedBy(o: Described): SafeHtml {
  const ids = [o.hint ? `${idOf(o)}-hint` : '', o.error ? `${idOf(o)}-error` : ''].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"` : html``;
}

function fieldExtras(o: Described): SafeHtml {
  return html`${o.hint ? html`<p class="hint" id="${idOf(o)}-hint">${o.hint}</p>` : ''}
    ${o.error ? html`<p class="field-error" id="${idOf(o)}-error">${o.error}</p>` : ''}`;
}

export function inputField(o: FieldOptions): SafeHtml {
  return html`<div class="field${o.error ? ' field-invalid' : ''}">
    <label for="${idOf(o)}">${o.label}</label>
    ${fieldExtras(o)}
    <input id="${idOf(o)}" name="${o.name}" type="${o.type ?? 'text'}"
      ${o.type === 'password' ? '' : html`value="${o.value ?? ''}"`}
      ${o.autocomplete ? html`autocomplete="${o.autocomplete}"` : ''}
      ${o.maxlength ? html`maxlength="${o.maxlength}"` : ''}
      ${o.required ? html`required` : ''}${o.error ? html` aria-invalid="true"` : ''}${describedBy(o)}>
  </div>`;
}

export function textareaField(o: Omit<FieldOptions, 'type' | 'autocomplete'>): SafeHtml {
  return html`<div class="field${o.error ? ' field-invalid' : ''}">
    <label for="${idOf(o)}">${o.label}</label>
    ${fieldExtras(o)}
    <textarea id="${idOf(o)}" name="${o.name}" rows="4"
      ${o.maxlength ? html`maxlength="${o.maxlength}"` : ''}${o.required ? html` required` : ''}${o.error ? html` aria-invalid="true"` : ''}${describedBy(o)}>${o.value ?? ''}</textarea>
  </div>`;
}

export function selectField(
  o: Omit<FieldOptions, 'type' | 'autocomplete' | 'maxlength'> & {
    options: { value: string; label: string }[];
  },
): SafeHtml {
  return html`<div class="field${o.error ? ' field-invalid' : ''}">
    <label for="${idOf(o)}">${o.label}</label>
    ${fieldExtras(o)}
    <select id="${idOf(o)}" name="${o.name}"${o.required ? html` required` : ''}${o.error ? html` aria-invalid="true"` : ''}${describedBy(o)}>
      ${o.options.map(
        (opt) =>
          html`<option value="${opt.value}"${opt.value === (o.value ?? '') ? html` selected` : ''}>${opt.label}</option>`,
      )}
    </select>
  </div>`;
}

export function checkboxField(o: {
  name: string;
  id?: string;
  label: string;
  checked: boolean;
  hint?: string;
}): SafeHtml {
  return html`<div class="field field-checkbox">
    <input id="${idOf(o)}" name="${o.name}" type="checkbox" value="on"${o.checked ? html` checked` : ''}${describedBy(o)}>
    <label for="${idOf(o)}">${o.label}</label>
    ${o.hint ? html`<p class="hint" id="${idOf(o)}-hint">${o.hint}</p>` : ''}
  </div>`;
}
