/**
 * Local posts are written as plain text and stored both as written (`source`, for editing)
 * and as HTML (`content`, for pages and federation). The HTML is built here from escaped text
 * only, so nothing the author typed can become markup: paragraphs on blank lines, line
 * breaks, and http(s) links.
 */
export const MAX_POST_LENGTH = 5000;

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;
// Punctuation that usually ends a sentence rather than a URL.
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_RE)) {
    let url = match[0];
    const trailing = TRAILING_PUNCTUATION.exec(url)?.[0] ?? '';
    url = url.slice(0, url.length - trailing.length);
    const start = match.index;
    out += escapeHtml(line.slice(last, start));
    if (URL.canParse(url)) {
      const href = escapeHtml(url);
      out += `<a href="${href}" rel="nofollow noopener noreferrer" target="_blank">${href}</a>`;
    } else {
      out += escapeHtml(url);
    }
    last = start + url.length;
  }
  return out + escapeHtml(line.slice(last));
}

/** Plain text → safe HTML (`<p>` per paragraph, `<br>` per line, links). */
export function renderPlainText(text: string): string {
  const paragraphs = text
    .replaceAll('\r\n', '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return paragraphs.map((p) => `<p>${p.split('\n').map(linkify).join('<br>')}</p>`).join('');
}
