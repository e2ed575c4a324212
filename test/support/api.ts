import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import type { Db } from '../../models/db.ts';

/** A supertest agent keeps the session cookie between requests, like a browser. */
export type Agent = ReturnType<typeof request.agent>;

let seq = 0;
/** Unique test identities, so suites sharing one database never collide. */
export function newIdentity(prefix = 'u') {
  seq += 1;
  const tag = `${prefix}${process.pid % 1000}_${seq}`;
  return {
    email: `${tag}@example.org`,
    password: 'correct horse battery',
    handle: tag.toLowerCase(),
    displayName: `Test ${tag}`,
  };
}

/** Signs up through the API and returns the logged-in agent. */
export async function signUpAgent(
  url: string,
  identity = newIdentity(),
): Promise<{ agent: Agent; identity: typeof identity }> {
  const agent = request.agent(url);
  const res = await agent.post('/api/v1/accounts').send(identity);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { agent, identity };
}

/** Asserts an RFC 9457 problem answer with the given status; returns the problem document. */
export function assertProblem(
  res: request.Response,
  status: number,
): { title: string; errors?: { field: string }[] } {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(res.body.status, status);
  return res.body;
}

/** The session id inside a `parvis.sid` cookie (`s:<sid>.<signature>`). */
export function sessionIdOf(setCookie: string[] | string | undefined): string {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const raw = cookies.find((c) => c.startsWith('parvis.sid='));
  assert.ok(raw, 'no session cookie set');
  const value = decodeURIComponent(raw.slice('parvis.sid='.length).split(';')[0]!);
  return value.slice(2, value.lastIndexOf('.'));
}

export async function countRows(
  db: Db,
  table: 'accounts' | 'personas' | 'handles' | 'sessions' | 'districts',
) {
  const result = (await db.execute(sql.raw(`SELECT count(*)::int AS n FROM ${table}`))) as unknown as {
    rows: { n: number }[];
  };
  return result.rows[0]!.n;
}

/** Publishes a public post as the agent's active persona through the API; returns its id and IRI. */
export async function publishPost(agent: Agent, content: string): Promise<{ id: string; iri: string }> {
  const res = await agent.post('/api/v1/posts').send({ content, visibility: 'public', language: 'fr' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; iri: string };
}
