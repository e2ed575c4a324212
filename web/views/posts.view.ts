import type { Page as PostPage } from '../../models/feeds.queries.ts';
import { MAX_POST_LENGTH } from '../../models/post-text.ts';
import type { PostView } from '../../models/posts.queries.ts';
import type { PageContext } from '../context.ts';
import { errorSummary, type FormErrors, type FormValues, selectField, textareaField } from '../forms.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { type Notice, successNotice } from '../notice.ts';

type Level = 'main' | 'h2' | 'h3';

function authorMarker(pc: PageContext, kind: PostView['author']['kind']): SafeHtml | '' {
  if (kind === 'institution')
    return html` <span class="badge-institution">${pc.t('profile.institutional')}</span>`;
  if (kind === 'remote') return html` <span class="badge-unverified">${pc.t('post.remote')}</span>`;
  return '';
}

/** Handle → the texts of the author's verified badges (see `authorBadges`). */
export type AuthorBadgeTexts = ReadonlyMap<string, string[]>;

function badgeMarkers(texts: string[] | undefined): SafeHtml | '' {
  if (!texts || texts.length === 0) return '';
  return html`${texts.map((text) => html` <span class="badge-verified">${text}</span>`)}`;
}

/**
 * A link taken from another server (actor page, post URL): only http(s), so that a remote
 * document cannot slip a `javascript:` or `data:` URL into our pages.
 */
export function remoteHref(url: string | null | undefined): string {
  return url && /^https?:\/\//i.test(url) ? url : '#';
}

/** The link to an author: our own profile pages by path, remote ones by their URL. */
function authorHref(a: PostView['author']): string {
  if (a.kind === 'remote') return remoteHref(a.url);
  return `/@${a.handle}`;
}

/**
 * One post as an `<article>`: author (name, handle, institution or unverified-remote marker),
 * date, content, counts. `level` says where it sits: the post page's main post (its h1 already
 * names the author), or an item of a list under an h1 (h2) or an h2 (h3).
 */
export function postArticle(
  pc: PageContext,
  post: PostView,
  level: Level,
  options: { threadLink?: boolean; badges?: AuthorBadgeTexts } = {},
): SafeHtml {
  const { t } = pc;
  const a = post.author;
  const when = new Date(post.published);
  const displayName = a.displayName || a.handle;
  const name = html`<a href="${authorHref(a)}">${displayName}</a>`;
  const heading =
    level === 'main'
      ? html`<p class="post-author">${name}</p>`
      : level === 'h2'
        ? html`<h2 class="post-author">${name}</h2>`
        : html`<h3 class="post-author">${name}</h3>`;
  const permalink = post.local ? `/posts/${post.id}` : remoteHref(post.url);
  // In a list, a reply says what it answers (the thread page shows it in place instead).
  const parent = post.inReplyTo;
  const replyTo =
    options.threadLink && parent
      ? html` · <a href="${parent.id ? `/posts/${parent.id}` : remoteHref(parent.iri)}">${t('post.replyTo')}</a>`
      : '';
  const date = when.toLocaleString(pc.lang === 'fr' ? 'fr-FR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  // The post's language marks its text only: the words around it are the page's.
  const lang = post.language ? html` lang="${post.language}"` : '';
  return html`<article class="post">
    <header>
      ${heading}
      <p class="handle">${a.kind === 'remote' ? a.handle : `@${a.handle}`}${authorMarker(pc, a.kind)}${badgeMarkers(options.badges?.get(a.handle))}</p>
      <p class="post-meta"><a href="${permalink}"><time datetime="${post.published}">${date}</time></a>${post.updated ? html` · ${t('post.edited')}` : ''}${post.visibility === 'followers' ? html` · ${t('post.followersOnly')}` : ''}${replyTo}</p>
    </header>
    ${
      post.deleted
        ? html`<p class="post-deleted">${t('post.deleted')}</p>`
        : // Stored HTML is safe by construction: escaped text for local posts, sanitised on arrival for remote ones.
          html`<div class="post-content"${lang}>${raw(post.content)}</div>`
    }
    <footer class="post-footer">
      <p class="post-counts">${t('post.replyCount', { count: post.counts.replies })} · ${t('post.counts', post.counts)}</p>
      ${
        options.threadLink && post.local
          ? html`<p class="post-thread-link"><a href="/posts/${post.id}">${t('post.openThread')}<span class="visually-hidden"> ${t('post.openThreadOf', { name: displayName })}</span></a></p>`
          : ''
      }
    </footer>
  </article>`;
}

/**
 * A page of posts with "older posts" paging. `path` is the list's own URL; the cursor goes in
 * `?cursor=`. Items get headings one level below `under`.
 */
export function postList(
  pc: PageContext,
  page: PostPage,
  options: { path: string; under: 'h1' | 'h2'; empty: string; paged: boolean; badges?: AuthorBadgeTexts },
): SafeHtml {
  const level = options.under === 'h1' ? 'h2' : 'h3';
  if (page.items.length === 0) return html`<p class="empty">${options.empty}</p>`;
  const links = [
    options.paged ? html`<li><a href="${options.path}">${pc.t('timeline.newest')}</a></li>` : '',
    page.next
      ? html`<li><a href="${options.path}?cursor=${encodeURIComponent(page.next)}" rel="next">${pc.t('timeline.older')}</a></li>`
      : '',
  ];
  return html`<div class="post-list">
      ${page.items.map((p) => postArticle(pc, p, level, { threadLink: true, badges: options.badges }))}
    </div>
    ${
      options.paged || page.next
        ? html`<nav class="pagination" aria-label="${pc.t('timeline.pages')}"><ul class="actions">${links}</ul></nav>`
        : ''
    }`;
}

function contentLabels(pc: PageContext) {
  return {
    content: pc.t('field.content'),
    visibility: pc.t('field.visibility'),
    as: pc.t('field.as'),
  };
}

/** What a post form may be asked to show around its text field. */
export type ComposerOptions = {
  /** Where the form posts. */
  action: string;
  /** The id suffix of the fields, so that two forms on a page keep distinct ids. */
  idPrefix: string;
  submit: string;
  values: FormValues;
  errors: FormErrors;
  /** Offer the visibility choice (new posts and replies; not edits). */
  visibility: boolean;
  /** Institutions the account may speak for (admins); the active persona comes first. */
  institutions?: { handle: string; name: string }[];
};

/** The text, visibility and author fields of a new post, a reply or an edit, with their error summary. */
export function composerForm(pc: PageContext, o: ComposerOptions): SafeHtml {
  const { t } = pc;
  const persona = pc.activePersona;
  const labels = contentLabels(pc);
  const ids = (name: string) => `${o.idPrefix}-${name}`;
  // The summary links to the ids of this form's fields.
  const summaryErrors: FormErrors = {};
  for (const [field, message] of Object.entries(o.errors))
    summaryErrors[field === '_form' ? field : ids(field)] = message;
  const summaryLabels: Record<string, string> = {};
  for (const [field, label] of Object.entries(labels)) summaryLabels[ids(field)] = label;
  return html`${errorSummary(pc, summaryErrors, summaryLabels)}
    <form method="post" action="${o.action}" novalidate class="composer">
      ${csrfField(pc)}
      ${
        o.institutions && o.institutions.length > 0 && persona
          ? selectField({
              name: 'as',
              id: ids('as'),
              label: labels.as,
              value: o.values.as ?? '',
              error: o.errors.as,
              options: [
                {
                  value: '',
                  label: t('field.as.persona', { name: persona.displayName, handle: persona.handle }),
                },
                ...o.institutions.map((i) => ({ value: i.handle, label: `${i.name} (@${i.handle})` })),
              ],
            })
          : ''
      }
      ${textareaField({
        name: 'content',
        id: ids('content'),
        label: labels.content,
        value: o.values.content,
        error: o.errors.content,
        hint: t('field.content.hint', { max: MAX_POST_LENGTH }),
        required: true,
        maxlength: MAX_POST_LENGTH,
      })}
      ${
        o.visibility
          ? selectField({
              name: 'visibility',
              id: ids('visibility'),
              label: labels.visibility,
              value: o.values.visibility ?? 'public',
              error: o.errors.visibility,
              options: [
                { value: 'public', label: t('field.visibility.public') },
                { value: 'followers', label: t('field.visibility.followers') },
              ],
            })
          : ''
      }
      <button type="submit">${o.submit}</button>
    </form>`;
}

/** The notice said after a post form (`?done=…`), so the result is announced. */
export function postNotice(pc: PageContext, done: unknown): Notice | undefined {
  const key =
    done === 'published'
      ? 'post.published'
      : done === 'updated'
        ? 'post.updated'
        : done === 'deleted'
          ? 'post.removed'
          : undefined;
  return key ? successNotice(pc.t(key)) : undefined;
}
