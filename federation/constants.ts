/**
 * Paths and identifiers of our ActivityPub surface, in one leaf file so that dispatchers,
 * handlers and routes agree without importing each other.
 */

/** The instance's own actor (an `Application`), used to sign fetches. A dot never occurs in a handle. */
export const INSTANCE_ACTOR = 'instance.actor';

export const ACTOR_PATH = '/users/{identifier}';
export const INBOX_PATH = '/users/{identifier}/inbox';
export const SHARED_INBOX_PATH = '/inbox';
export const OUTBOX_PATH = '/users/{identifier}/outbox';
export const FOLLOWERS_PATH = '/users/{identifier}/followers';
export const FOLLOWING_PATH = '/users/{identifier}/following';
/** Our Follow activities are dereferenceable, so a remote Accept that embeds one can be checked. */
export const FOLLOW_ACTIVITY_PATH = '/follows/{id}';

/** Matches the inbox paths above (personal and shared). */
export const INBOX_PATH_RE = /^\/(?:users\/[^/]+\/inbox|inbox)\/?$/;

/**
 * Every path Fedify may answer (WebFinger, NodeInfo, actors and their collections, inboxes,
 * Follow activities, Notes and their replies). Other requests — the pages, the API — never
 * reach Fedify: it would only answer them 404 (and log a warning for each).
 */
export const FEDERATION_PATH_RE =
  /^\/(?:\.well-known\/(?:webfinger|nodeinfo)$|nodeinfo\/|users\/|inbox\/?$|follows\/|posts\/)/;
