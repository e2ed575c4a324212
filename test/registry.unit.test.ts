import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import type { Account, Role } from '../models/schema/index.ts';
import { ApiRegistry, defineRoute } from '../server/api/registry.ts';

type Mismatch = { route: string; status: number; problem: string };

/** A bare express app with one registry; `X-Test-Role` plays the logged-in account. */
function app(mismatches: Mismatch[] = []) {
  const written: unknown[] = [];
  const server = express();
  server.use(express.json());
  server.use((req, _res, next) => {
    const role = req.get('x-test-role') as Role | undefined;
    if (role) req.user = { id: 'a', email: 'x@example.org', role } as Account;
    next();
  });
  const router = express.Router();
  const api = new ApiRegistry(
    router,
    { title: 'Test', version: '0' },
    { checkResponses: (route, status, problem) => mismatches.push({ route, status, problem }) },
  );
  api.add([
    defineRoute({
      method: 'post',
      path: '/things/:slug',
      summary: 'Make a thing',
      tags: ['things'],
      auth: 'session',
      params: z.object({ slug: z.string().regex(/^[a-z]+$/) }),
      query: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
      body: z.object({ name: z.string().min(1), size: z.number().int().optional() }),
      responses: { 201: { description: 'Made', schema: z.object({ slug: z.string(), name: z.string() }) } },
      handler: ({ params, body, account, res }) => {
        written.push({ slug: params.slug, name: body.name, by: account.role });
        res.status(201).json({ slug: params.slug, name: body.name });
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/things/:slug',
      summary: 'Remove a thing',
      tags: ['things'],
      auth: 'admin',
      responses: { 204: 'Removed' },
      handler: ({ res }) => {
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/liar',
      summary: 'Answers something else than it declares',
      tags: ['things'],
      auth: 'public',
      responses: { 200: { description: 'A number', schema: z.object({ n: z.number() }) } },
      handler: ({ req, res }) => {
        if (req.query.status) res.status(Number(req.query.status));
        res.json({ n: 'not a number' });
      },
    }),
  ]);
  server.use(router);
  return { server, api, written };
}

describe('API route registry', () => {
  it('validates params, query and body together and lists every failing field in a 400 problem', async () => {
    const { server, written } = app();
    const res = await request(server)
      .post('/things/NOPE?dryRun=maybe')
      .set('x-test-role', 'resident')
      .send({ name: '', size: 1.5 });
    assert.equal(res.status, 400);
    assert.match(res.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), [
      'dryRun',
      'name',
      'size',
      'slug',
    ]);
    assert.deepEqual(written, [], 'the handler never ran');
  });

  it('makes object bodies strict: an unknown field is a 400', async () => {
    const { server, written } = app();
    const res = await request(server)
      .post('/things/abc')
      .set('x-test-role', 'resident')
      .send({ name: 'A', extra: 1 });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body.errors), /extra/);
    assert.deepEqual(written, []);
  });

  it('checks auth before validation: 401 without a session, 403 without the role, admins pass', async () => {
    const { server } = app();
    assert.equal((await request(server).post('/things/abc').send({})).status, 401);
    assert.equal((await request(server).delete('/things/abc').set('x-test-role', 'moderator')).status, 403);
    assert.equal((await request(server).delete('/things/abc').set('x-test-role', 'admin')).status, 204);
  });

  it('hands the parsed values to the handler', async () => {
    const { server, written } = app();
    const res = await request(server).post('/things/abc').set('x-test-role', 'agent').send({ name: 'A' });
    assert.equal(res.status, 201);
    assert.deepEqual(written, [{ slug: 'abc', name: 'A', by: 'agent' }]);
  });

  it('reports answers that stray from the declaration: wrong body, undeclared status', async () => {
    const mismatches: Mismatch[] = [];
    const { server } = app(mismatches);
    await request(server).post('/things/abc').set('x-test-role', 'resident').send({ name: 'A' });
    assert.equal(mismatches.length, 0);
    await request(server).get('/liar');
    await request(server).get('/liar?status=418');
    assert.deepEqual(
      mismatches.map((m) => [m.route, m.status]),
      [
        ['GET /liar', 200],
        ['GET /liar', 418],
      ],
    );
  });

  it('refuses to declare one route twice', () => {
    const { api } = app();
    const dup = defineRoute({
      method: 'get',
      path: '/liar',
      summary: 'again',
      tags: [],
      auth: 'public',
      responses: {},
      handler: () => {},
    });
    assert.throws(() => api.add([dup]), /declared twice: GET \/liar/);
  });

  it('serves an OpenAPI 3.1 document built from the same declarations', async () => {
    const { server } = app();
    const res = await request(server).get('/openapi.json');
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, '3.1.0');
    const post = res.body.paths['/things/{slug}'].post;
    assert.deepEqual(
      post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['path:slug', 'query:dryRun'],
    );
    assert.deepEqual(post.requestBody.content['application/json'].schema.required, ['name']);
    assert.deepEqual(Object.keys(post.responses).sort(), ['201', '400', '401', '415']);
    const del = res.body.paths['/things/{slug}'].delete;
    assert.equal(del['x-required-role'], 'admin');
    assert.ok(del.responses['403']);
    assert.deepEqual(res.body.paths['/liar'].get.security, []);
  });
});
