import assert from 'node:assert/strict';
import type request from 'supertest';

export type Agent = ReturnType<typeof request.agent>;

/** The `_csrf` value of the first form on a page. */
export function csrfFrom(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  assert.ok(match?.[1], 'the page carries a CSRF token');
  return match[1];
}

/**
 * Submits a form as a browser does: GET the page holding it (which sets the session cookie and
 * gives the token), then POST the fields with that token.
 */
export async function submitForm(
  agent: Agent,
  pagePath: string,
  action: string,
  fields: Record<string, string>,
) {
  const page = await agent.get(pagePath);
  assert.equal(page.status, 200, `GET ${pagePath} answers 200`);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

export type Person = { email: string; password: string; handle: string; displayName: string };

let seq = 0;
export function newPerson(prefix = 'p'): Person {
  seq += 1;
  const tag = `${prefix}${process.pid % 1000}_${seq}`;
  return {
    email: `${tag}@example.org`,
    password: 'correct horse battery',
    handle: tag,
    displayName: `Nom ${tag}`,
  };
}

/** A new account through the sign-up form; the agent ends up signed in. */
export async function signUpThroughForm(agent: Agent, person: Person) {
  const res = await submitForm(agent, '/signup', '/signup', { ...person });
  assert.equal(res.status, 303, `sign-up redirects (got ${res.status})`);
  return res;
}

export async function logInThroughForm(agent: Agent, email: string, password: string) {
  return submitForm(agent, '/login', '/login', { email, password });
}

/** Text content of the <main> element, to check what a page itself shows apart from the header. */
export function mainOf(page: string): string {
  const match = /<main[^>]*>([\s\S]*)<\/main>/.exec(page);
  assert.ok(match?.[1] !== undefined, 'the page has a <main>');
  return match[1];
}
