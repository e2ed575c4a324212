import assert from 'node:assert/strict';
import request from 'supertest';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

type Operation = {
  operationId: string;
  summary: string;
  tags: string[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: {
    content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }>;
  };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: object };
};

// The document does not depend on the database; one kind is enough.
const kind = databaseKinds()[0]!;
describe(`OpenAPI document [${kind}]`, () => {
  let instance: TestInstance;
  let doc: Doc;
  before(async function () {
    this.timeout(120_000);
    instance = await startTestInstance(kind);
    const res = await request(instance.url).get('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /json/);
    doc = res.body;
  });
  after(async () => {
    await instance?.close();
  });

  it('is OpenAPI 3.1 and describes every account, session, persona, district and instance route', () => {
    assert.equal(doc.openapi, '3.1.0');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const expected of [
      'POST /accounts',
      'GET /me',
      'PATCH /me',
      'GET /session',
      'POST /session',
      'DELETE /session',
      'GET /me/personas',
      'POST /me/personas',
      'PATCH /me/personas/{handle}',
      'DELETE /me/personas/{handle}',
      'POST /me/personas/{handle}/activate',
      'GET /personas/{handle}',
      'GET /districts',
      'POST /districts',
      'PATCH /districts/{slug}',
      'DELETE /districts/{slug}',
      'GET /instance',
      'PATCH /instance',
    ]) {
      assert.ok(routes.includes(expected), `${expected} is documented`);
    }
    const ids = routes.map((r) => {
      const [m, p] = r.split(' ');
      return doc.paths[p!]![m!.toLowerCase()]!.operationId;
    });
    assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
  });

  it('takes request bodies from the same zod schemas that validate them', () => {
    const signUp = doc.paths['/accounts']!.post!;
    const schema = signUp.requestBody!.content['application/json']!.schema;
    assert.deepEqual(schema.required?.sort(), ['displayName', 'email', 'handle', 'password']);
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), [
      'displayName',
      'email',
      'handle',
      'language',
      'password',
    ]);
    assert.equal((schema as { additionalProperties?: boolean }).additionalProperties, false);
  });

  it('documents path parameters, auth and problem answers', () => {
    const patch = doc.paths['/me/personas/{handle}']!.patch!;
    assert.deepEqual(
      patch.parameters.map((p) => [p.name, p.in, p.required]),
      [['handle', 'path', true]],
    );
    const handleSchema = (patch.parameters[0] as unknown as { schema: { pattern?: string } }).schema;
    assert.ok(handleSchema.pattern, 'the handle pattern is documented');
    for (const status of ['400', '401', '404', '415']) {
      assert.ok(patch.responses[status]?.content?.['application/problem+json'], `${status} is a problem`);
    }
    assert.ok(doc.paths['/districts']!.post!.responses['403'], 'admin routes document 403');
    assert.deepEqual(doc.paths['/personas/{handle}']!.get!.security, []);
    assert.ok('Problem' in doc.components.schemas);
  });

  it('the public persona response schema has no e-mail, id or timestamp', () => {
    const ok = doc.paths['/personas/{handle}']!.get!.responses['200']!.content!['application/json'] as {
      schema: { properties: Record<string, { items?: { properties: Record<string, unknown> } }> };
    };
    assert.deepEqual(Object.keys(ok.schema.properties).sort(), [
      'badges',
      'bio',
      'displayName',
      'district',
      'handle',
    ]);
    // A badge: issuer and disclosed attributes, the month of expiry; no key thumbprint, no exact date.
    assert.deepEqual(Object.keys(ok.schema.properties.badges!.items!.properties).sort(), [
      'ageRange',
      'district',
      'expiresMonth',
      'id',
      'issuerName',
      'issuerUrl',
      'label',
      'residentOf',
    ]);
  });

  it('every documented public GET without parameters answers', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const get = ops.get;
      if (!get || path.includes('{') || get.security === undefined) continue;
      const res = await request(instance.url).get(`/api/v1${path}`);
      assert.equal(res.status, 200, path);
    }
  });
});
