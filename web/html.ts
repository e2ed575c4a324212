/**
 * Typed HTML templates with automatic escaping. `html\`…\`` escapes every interpolated value
 * unless it is already a `SafeHtml` (another template, or `raw()` for trusted fragments), so
 * user text can never become markup. Arrays are joined; null, undefined and false render nothing.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Marks a trusted fragment (our own constant markup) as safe. Never pass user input. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** Escapes a value and returns it as SafeHtml (for building attribute lists by hand). */
export function text(value: HtmlValue): SafeHtml {
  return new SafeHtml(render(value));
}
