import { findRemoteActorByIri } from '../models/federation.ops.ts';
import { authorHandle, findPostRow } from '../models/posts.queries.ts';
import type { RemoteActor } from '../models/schema/index.ts';
import type { AppContext } from '../server/context.ts';
import { logger } from '../server/logging.ts';
import { federationContext, sendToFollowers } from './delivery.ts';
import { audience, buildCreate, buildDelete, buildUpdate, postUri } from './objects.ts';

const log = logger('federation', 'outbox');

type Change = 'create' | 'update' | 'delete';

/**
 * Posts → activities. The operation has committed when its event arrives; this only enqueues
 * (the queue delivers and retries), so publishing never waits for a remote server. Every
 * activity about one post shares the post's IRI as ordering key: a Delete never overtakes
 * the Create it cancels.
 */
export function subscribePostDelivery(app: AppContext): () => void {
  const offs = [
    app.events.on('post.published', (e) => deliverPost(app, e.postId, 'create')),
    app.events.on('post.updated', (e) => deliverPost(app, e.postId, 'update')),
    app.events.on('post.deleted', (e) => deliverPost(app, e.postId, 'delete')),
  ];
  return () => {
    for (const off of offs) off();
  };
}

export async function deliverPost(app: AppContext, postId: string, change: Change): Promise<void> {
  const post = await findPostRow(app.db, postId);
  if (!post || post.authorActorIri !== null) {
    log.debug('Post {postId} is not a local post: nothing to deliver', { postId });
    return;
  }
  const author = await authorHandle(app.db, post);
  if (!author) return;
  const ctx = federationContext(app);
  const activity =
    change === 'create'
      ? await buildCreate(ctx, post, author)
      : change === 'update'
        ? await buildUpdate(ctx, post, author)
        : await buildDelete(ctx, post, author);
  // A reply to a remote post also goes to the author of that post, even if they do not follow us.
  const extra: RemoteActor[] = [];
  const { parentAuthor } = await audience(ctx, post, author);
  if (parentAuthor) {
    const actor = await findRemoteActorByIri(app.db, parentAuthor.href);
    if (actor) extra.push(actor);
  }
  const sent = await sendToFollowers(app, author.handle, activity, {
    orderingKey: postUri(ctx, post.id).href,
    extra,
  });
  log.debug('{change} of post {postId} queued for {sent} recipient(s)', { change, postId, sent });
}
