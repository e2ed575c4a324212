import assert from 'node:assert/strict';
import { count, eq, like } from 'drizzle-orm';
import request from 'supertest';
import { signUp } from '../models/accounts.ops.ts';
import { findPersonaByHandle } from '../models/personas.ops.ts';
import { publishPost } from '../models/posts.ops.ts';
import { findLocalAuthor } from '../models/posts.queries.ts';
import { badges, posts } from '../models/schema/index.ts';
import { seedDemo } from '../server/demo/seed.ts';
import { DEMO_PASSWORD } from '../server/demo/town.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import {
  type Agent,
  csrfFrom,
  logInThroughForm,
  mainOf,
  newPerson,
  type Person,
  signUpThroughForm,
  submitForm,
} from './support/web.ts';

for (const kind of databaseKinds()) {
  describe(`web: timelines, composing, replying [${kind}]`, () => {
    let instance: TestInstance;
    let agent: Agent;
    let person: Person;
    let camille: Agent;

    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
      const seeded = await seedDemo(instance.ctx, { name: instance.config.instanceName });
      assert.deepEqual(seeded, { ok: true, created: true });
      person = newPerson('wp');
      agent = request.agent(instance.url);
      await signUpThroughForm(agent, person);
      camille = request.agent(instance.url);
      const login = await logInThroughForm(camille, 'camille@demo.parvis.invalid', DEMO_PASSWORD);
      assert.equal(login.status, 303);
    });
    after(async () => {
      await instance?.close();
    });

    const db = () => instance.database.db;
    const postCount = async () => (await db().select({ n: count() }).from(posts))[0]!.n;
    const postBySource = async (start: string) => {
      const [row] = await db()
        .select()
        .from(posts)
        .where(like(posts.source, `${start}%`));
      assert.ok(row, `a post starting with ${start}`);
      return row;
    };

    it('the home page shows the public timeline, newest first, each post an article with its author, time and thread', async () => {
      const res = await request(instance.url).get('/');
      assert.equal(res.status, 200);
      const main = mainOf(res.text);
      assert.match(main, /<h2 id="timeline-title">Fil public<\/h2>/);
      assert.match(main, /<article class="post">/);
      assert.match(main, /<div class="post-content" lang="fr"><p>/);
      assert.match(
        main,
        /<h3 class="post-author"><a href="\/@mairie">Mairie de Belleville-sur-Loire<\/a><\/h3>/,
      );
      assert.match(main, /<span class="badge-institution">compte institutionnel<\/span>/);
      assert.match(main, /<time datetime="\d{4}-\d\d-\d\dT[^"]+">/);
      const tram = await postBySource('Le projet de tramway');
      assert.match(main, new RegExp(`<a href="/posts/${tram.id}">Voir la discussion`));
      assert.match(main, /Réponses\u00a0: 3/);
      assert.match(main, new RegExp(`<a href="/posts/${tram.id}">en réponse à un message</a>`));
      const newer = main.indexOf('Les berges des Prés');
      const older = main.indexOf('Le projet de tramway');
      assert.ok(newer > 0 && older > newer, 'the newest post comes first');
      assert.doesNotMatch(main, /action="\/posts"/, 'no composer for visitors');
      assert.equal(
        res.headers['x-robots-tag'],
        'noindex, nofollow',
        'residents’ posts keep the page out of search engines',
      );
      const thread = await request(instance.url).get(`/posts/${tram.id}`);
      assert.equal(
        thread.headers['x-robots-tag'],
        'noindex, nofollow',
        'a thread with residents’ replies too',
      );
    });

    it('a signed-in resident posts through the composer and the post appears on the timeline, the post page and the feed', async () => {
      const home = await agent.get('/');
      assert.match(home.text, /<form method="post" action="\/posts"/);
      assert.match(home.text, /<label for="f-compose-content">Votre message<\/label>/);
      assert.match(home.text, /href="\/feed"/);
      assert.match(
        home.text,
        new RegExp(`Vous publiez en tant que ${person.displayName} \\(@${person.handle}\\)`),
      );
      assert.doesNotMatch(home.text, /name="as"/, 'only admins may post as an institution');
      const res = await agent
        .post('/posts')
        .type('form')
        .send({
          _csrf: csrfFrom(home.text),
          content: 'Un banc place du marché <b>svp</b>',
          visibility: 'public',
        });
      assert.equal(res.status, 303);
      const mine = await postBySource('Un banc place du marché');
      assert.equal(res.headers.location, `/posts/${mine.id}?done=published`);
      const page = await agent.get(res.headers.location);
      assert.match(
        page.text,
        /<p class="notice" tabindex="-1" autofocus role="status">Message publié\.<\/p>/,
      );
      assert.match(page.text, /Un banc place du marché &lt;b&gt;svp&lt;\/b&gt;/, 'text is escaped');
      const timeline = mainOf((await request(instance.url).get('/')).text);
      assert.ok(timeline.indexOf('Un banc place du marché') < timeline.indexOf('Les berges des Prés'));
      const feed = await agent.get('/feed');
      assert.equal(feed.status, 200);
      assert.match(feed.text, /Un banc place du marché/);
      assert.doesNotMatch(feed.text, /Le projet de tramway/, 'the feed holds own and followed posts only');
      assert.equal((await request(instance.url).get('/feed')).status, 303, 'the feed needs a session');
    });

    it('a followers-only post stays off the public timeline', async () => {
      const before = await postCount();
      const res = await submitForm(agent, '/', '/posts', {
        content: 'Réservé aux abonné·es',
        visibility: 'followers',
      });
      assert.equal(res.status, 303);
      assert.equal(await postCount(), before + 1);
      assert.doesNotMatch((await request(instance.url).get('/')).text, /Réservé aux abonné·es/);
      assert.match((await agent.get('/feed')).text, /Réservé aux abonné·es/);
    });

    it('a post form without the CSRF token is refused with 403 and writes nothing', async () => {
      const before = await postCount();
      const res = await agent.post('/posts').type('form').send({ content: 'Sans jeton' });
      assert.equal(res.status, 403);
      const tram = await postBySource('Le projet de tramway');
      const reply = await agent.post(`/posts/${tram.id}/reply`).type('form').send({ content: 'Sans jeton' });
      assert.equal(reply.status, 403);
      assert.equal(await postCount(), before);
    });

    it('invalid posts answer 400 with the error summary and write nothing', async () => {
      const before = await postCount();
      const empty = await submitForm(agent, '/', '/posts', { content: '   ', visibility: 'public' });
      assert.equal(empty.status, 400);
      assert.match(empty.text, /class="error-summary"/);
      assert.match(empty.text, /<a href="#f-compose-content">Votre message/);
      assert.match(empty.text, /id="f-compose-content"[^>]*aria-invalid="true"/);
      assert.match(empty.text, /<title>Erreur/);
      const long = await submitForm(agent, '/', '/posts', { content: 'x'.repeat(5001) });
      assert.equal(long.status, 400);
      assert.match(long.text, /dépasse 5000 caractères/);
      const visibility = await submitForm(agent, '/', '/posts', {
        content: 'Bonjour',
        visibility: 'everyone',
      });
      assert.equal(visibility.status, 400);
      assert.match(visibility.text, /<a href="#f-compose-visibility">/);
      assert.match(visibility.text, />Bonjour<\/textarea>/, 'the text is shown again');
      const institution = await submitForm(agent, '/', '/posts', {
        content: 'Au nom de la mairie',
        as: 'mairie',
      });
      assert.equal(institution.status, 400);
      assert.match(institution.text, /<a href="#f-compose-as">/);
      const tram = await postBySource('Le projet de tramway');
      const reply = await submitForm(agent, `/posts/${tram.id}`, `/posts/${tram.id}/reply`, { content: '' });
      assert.equal(reply.status, 400);
      assert.match(reply.text, /<a href="#f-reply-content">/);
      assert.equal(await postCount(), before);
    });

    it('a reply posted through the post page appears under the thread', async () => {
      const tram = await postBySource('Le projet de tramway');
      const page = await agent.get(`/posts/${tram.id}`);
      assert.match(page.text, /<h2 id="reply-title">Répondre<\/h2>/);
      assert.match(
        page.text,
        new RegExp(`Vous répondez en tant que ${person.displayName} \\(@${person.handle}\\)`),
      );
      const res = await submitForm(agent, `/posts/${tram.id}`, `/posts/${tram.id}/reply`, {
        content: 'Et pour les vélos, un stationnement aux stations ?',
        visibility: 'public',
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.location, `/posts/${tram.id}?done=published`);
      const reply = await postBySource('Et pour les vélos');
      assert.equal(reply.inReplyToId, tram.id);
      const thread = await request(instance.url).get(`/posts/${tram.id}`);
      const replies = thread.text.slice(thread.text.indexOf('id="replies-heading"'));
      assert.match(replies, /Réponses \(4\)/);
      assert.match(replies, /Et pour les vélos, un stationnement aux stations \?/);
      assert.match(thread.text, /Connectez-vous pour répondre/);
    });

    it('only the author edits and deletes a post (with a confirmation step)', async () => {
      const mine = await postBySource('Un banc place du marché');
      const own = await agent.get(`/posts/${mine.id}`);
      assert.match(own.text, new RegExp(`href="/posts/${mine.id}/edit"`));
      const other = await camille.get(`/posts/${mine.id}`);
      assert.doesNotMatch(other.text, /\/edit"/);
      assert.equal((await camille.get(`/posts/${mine.id}/edit`)).status, 404);
      assert.equal((await camille.get(`/posts/${mine.id}/delete`)).status, 404);
      const theirs = await camille
        .post(`/posts/${mine.id}/edit`)
        .type('form')
        .send({ _csrf: csrfFrom(other.text), content: 'Détourné' });
      assert.equal(theirs.status, 404);
      const theirDelete = await camille
        .post(`/posts/${mine.id}/delete`)
        .type('form')
        .send({ _csrf: csrfFrom(other.text), confirm: 'yes' });
      assert.equal(theirDelete.status, 404);
      assert.equal((await postBySource('Un banc place du marché')).deletedAt, null);

      const form = await agent.get(`/posts/${mine.id}/edit`);
      assert.equal(form.status, 200);
      assert.match(form.text, /Un banc place du marché &lt;b&gt;svp&lt;\/b&gt;<\/textarea>/);
      const invalid = await submitForm(agent, `/posts/${mine.id}/edit`, `/posts/${mine.id}/edit`, {
        content: '',
      });
      assert.equal(invalid.status, 400);
      assert.match(invalid.text, /<a href="#f-edit-content">/);
      assert.equal((await postBySource('Un banc place du marché')).updated, null, 'nothing written');
      const edited = await submitForm(agent, `/posts/${mine.id}/edit`, `/posts/${mine.id}/edit`, {
        content: 'Un banc place du marché, à l’ombre',
      });
      assert.equal(edited.status, 303);
      assert.equal(edited.headers.location, `/posts/${mine.id}?done=updated`);
      const page = await agent.get(`/posts/${mine.id}?done=updated`);
      assert.match(page.text, /Un banc place du marché, à l’ombre/);
      assert.match(page.text, /· modifié/);
      assert.match(
        page.text,
        /<p class="notice" tabindex="-1" autofocus role="status">Message modifié\.<\/p>/,
      );

      const confirm = await agent.get(`/posts/${mine.id}/delete`);
      assert.equal(confirm.status, 200);
      assert.match(confirm.text, /Oui, supprimer le message/);
      const unconfirmed = await submitForm(agent, `/posts/${mine.id}/delete`, `/posts/${mine.id}/delete`, {});
      assert.equal(unconfirmed.status, 200, 'a bare POST only shows the confirmation again');
      assert.equal((await postBySource('Un banc place du marché')).deletedAt, null);
      const deleted = await submitForm(agent, `/posts/${mine.id}/delete`, `/posts/${mine.id}/delete`, {
        confirm: 'yes',
      });
      assert.equal(deleted.status, 303);
      assert.equal(deleted.headers.location, '/?done=deleted');
      const [row] = await db().select().from(posts).where(eq(posts.id, mine.id));
      assert.ok(row?.deletedAt, 'the post is a tombstone');
      const gone = await request(instance.url).get(`/posts/${mine.id}`);
      assert.equal(gone.status, 410);
      assert.match(gone.text, /Ce message a été supprimé/);
    });

    it('a persona profile lists its public posts and keeps noindex, linking to no other persona', async () => {
      const res = await request(instance.url).get('/@camille_b');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-robots-tag'], 'noindex, nofollow');
      assert.match(res.text, /<meta name="robots" content="noindex, nofollow">/);
      const main = mainOf(res.text);
      assert.match(main, /<h2 id="posts-title">Messages publics<\/h2>/);
      assert.match(main, /Le tracé nord dessert les deux collèges/);
      assert.doesNotMatch(main, /Le projet de tramway/, 'the post replied to is not shown');
      const profileLinks = [...main.matchAll(/href="\/@([^"?]+)/g)].map((m) => m[1]);
      assert.ok(profileLinks.length > 0);
      assert.deepEqual(new Set(profileLinks), new Set(['camille_b']));
      const mairie = await request(instance.url).get('/@mairie');
      assert.match(mainOf(mairie.text), /Le projet de tramway/);
      assert.match(mainOf(mairie.text), /Parc des Tilleuls/);
    });

    it('a post shows its author’s verified badges', async () => {
      const heron = await findPersonaByHandle(db(), 'heron_cendre');
      assert.ok(heron);
      await db()
        .insert(badges)
        .values({
          personaId: heron.id,
          issuer: 'https://id.example.org',
          issuerName: 'Accueil de la mairie',
          type: 'residence',
          disclosed: { resident_of: 'Belleville-sur-Loire', district: 'Les Prés' },
          expiresAt: new Date(Date.now() + 86_400_000),
          holderKeyThumbprint: 'thumb',
          verifiedOn: new Date(),
        });
      const berges = await postBySource('Les berges des Prés');
      const badge =
        /<span class="badge-verified">Résident·e vérifié·e — quartier Les Prés · [^<]*Accueil de la mairie<\/span>/;
      const home = mainOf((await request(instance.url).get('/')).text);
      const article = home.slice(home.lastIndexOf('<article', home.indexOf('Les berges des Prés')));
      assert.match(article.slice(0, article.indexOf('</article>')), badge);
      assert.match((await request(instance.url).get(`/posts/${berges.id}`)).text, badge);
      const others = home.replace(article.slice(0, article.indexOf('</article>')), '');
      assert.doesNotMatch(others, /badge-verified/, 'only the badged persona’s posts carry it');
    });

    it('an admin may post as an institution from the composer', async () => {
      const admin = newPerson('adm');
      assert.ok((await signUp(instance.ctx, admin, 'admin')).ok);
      const adminAgent = request.agent(instance.url);
      assert.equal((await logInThroughForm(adminAgent, admin.email, admin.password)).status, 303);
      const home = await adminAgent.get('/');
      assert.match(home.text, /<option value="mairie">Mairie de Belleville-sur-Loire \(@mairie\)<\/option>/);
      const res = await submitForm(adminAgent, '/', '/posts', {
        content: 'Collecte des encombrants lundi',
        visibility: 'public',
        as: 'mairie',
      });
      assert.equal(res.status, 303);
      const row = await postBySource('Collecte des encombrants');
      const mairie = await findLocalAuthor(db(), 'mairie');
      assert.equal(row.authorInstitutionId, mairie?.id);
      assert.equal(row.authorPersonaId, null);
    });

    it('the timeline pages with "older posts" links', async () => {
      const author = await findLocalAuthor(db(), 'mobilites');
      assert.ok(author);
      for (let i = 0; i < 21; i++) {
        const r = await publishPost(instance.ctx, author, {
          content: `Info trafic n°${i}`,
          visibility: 'public',
        });
        assert.ok(r.ok);
      }
      const first = await request(instance.url).get('/');
      const next = /<a href="(\/\?cursor=[^"]+)" rel="next">Messages plus anciens<\/a>/.exec(first.text);
      assert.ok(next?.[1], 'an older-posts link');
      assert.doesNotMatch(mainOf(first.text), /Les berges des Prés/);
      const second = await request(instance.url).get(next[1].replace(/&amp;/g, '&'));
      assert.equal(second.status, 200);
      const main = mainOf(second.text);
      assert.match(main, /Les berges des Prés/);
      assert.match(main, /Info trafic n°0</);
      assert.doesNotMatch(main, /Info trafic n°20</);
      assert.match(main, /<a href="\/">Revenir aux plus récents<\/a>/);
    });
  });
}
