import { html, type SafeHtml } from './html.ts';

/**
 * What the page says about the outcome of the action that led to it (a post published, a
 * persona renamed, a badge refused…). Pages return it as `Page.notice`; the layout alone puts it
 * in the DOM, so every notice is announced the same way.
 */
export type Notice = { kind: 'success' | 'error'; text: string };

export function successNotice(text: string): Notice {
  return { kind: 'success', text };
}

export function errorNotice(text: string): Notice {
  return { kind: 'error', text };
}

/**
 * The notice as a live region: `status` (polite) for a success, `alert` (assertive) for an
 * error. A live region is announced when it changes, and this one is already there when the page
 * loads (pages run no script), so it also takes focus on load (`autofocus`, like the error
 * summary): screen readers then read it out, and keyboard users continue from it. `focus` is
 * false when an error summary further down should have the focus instead.
 */
export function noticeHtml(notice: Notice | undefined, options: { focus: boolean }): SafeHtml {
  if (!notice) return html``;
  const error = notice.kind === 'error';
  return html`<p class="notice${error ? ' notice-error' : ''}" tabindex="-1"${options.focus ? html` autofocus` : ''} role="${
    error ? 'alert' : 'status'
  }">${notice.text}</p>`;
}
