import sanitizeHtml from 'sanitize-html';

/**
 * Remote HTML (a Mastodon status, an actor's bio) is hostile until cleaned. We keep the few
 * tags Mastodon itself emits for text, and drop everything else with its content when it can
 * carry code (script, style, iframe…) or its tag only otherwise. Links keep only http(s)
 * targets and always get `rel="nofollow noopener noreferrer ugc"`: search engines must not
 * credit them, and the opened page must not reach back into ours.
 */
const MENTION_CLASSES = ['h-card', 'u-url', 'mention', 'hashtag', 'invisible', 'ellipsis', 'tag'];
const LINK_REL = 'nofollow noopener noreferrer ugc';

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'a', 'span', 'strong', 'em', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li'],
  allowedAttributes: { a: ['href', 'rel', 'class'], span: ['class'] },
  allowedClasses: { a: MENTION_CLASSES, span: MENTION_CLASSES },
  allowedSchemes: ['http', 'https'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  // Dropped together with everything inside them.
  nonTextTags: [
    'script',
    'style',
    'textarea',
    'option',
    'noscript',
    'template',
    'iframe',
    'object',
    'svg',
    'math',
  ],
  disallowedTagsMode: 'discard',
  transformTags: {
    a: (tagName, attribs) => {
      const out: Record<string, string> = { rel: LINK_REL };
      if (attribs.href) out.href = attribs.href;
      if (attribs.class) out.class = attribs.class;
      return { tagName, attribs: out };
    },
    // Mastodon sends <b>/<i> from some clients: keep the meaning with the allowed equivalents.
    b: 'strong',
    i: 'em',
  },
  exclusiveFilter: (frame) => frame.tag === 'a' && !frame.attribs.href && !frame.text.trim(),
};

/** Cleans remote HTML for storage and display. */
export function sanitizeRemoteHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
