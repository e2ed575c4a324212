import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { findAccountByEmail, setRole } from '../models/accounts.ops.ts';
import { recordDeliveryState, touchInstance } from '../models/instances.ops.ts';
import { createDistrict } from '../models/territory.ops.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';
import { type Agent, newPerson, type Person, signUpThroughForm, submitForm } from './support/web.ts';

/**
 * A structural accessibility check of rendered pages (no browser here): language, one h1,
 * landmarks, skip link, labelled fields, unique ids, valid aria references, no skipped heading
 * level. It does not replace an axe-core run in a browser; it keeps the basics from regressing.
 */
function checkPage(page: string, where: string): void {
  const fail = (what: string) => assert.fail(`${where}: ${what}`);
  if (!/^<!doctype html>/i.test(page)) fail('no doctype');
  if (!/<html lang="(fr|en)">/.test(page)) fail('no lang on <html>');
  if (!/<title>[^<]+<\/title>/.test(page)) fail('no title');
  if ((page.match(/<h1[\s>]/g) ?? []).length !== 1) fail('not exactly one h1');
  if ((page.match(/<main[\s>]/g) ?? []).length !== 1) fail('not exactly one main');
  if (!/<header[\s>]/.test(page) || !/<footer[\s>]/.test(page)) fail('header or footer landmark missing');
  const firstLink = /<body>\s*<a ([^>]*)>/.exec(page)?.[1] ?? '';
  if (!firstLink.includes('href="#main"')) fail('the skip link is not the first thing in the body');
  for (const nav of page.match(/<nav[^>]*>/g) ?? []) {
    if (!/aria-label(ledby)?="/.test(nav)) fail(`unnamed navigation ${nav}`);
  }
  const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) fail(`duplicate ids ${dup.join(', ')}`);
  const idSet = new Set(ids);
  for (const m of page.matchAll(/aria-(?:describedby|labelledby)="([^"]+)"/g)) {
    for (const ref of m[1]!.split(/\s+/)) if (!idSet.has(ref)) fail(`aria reference to missing id ${ref}`);
  }
  for (const m of page.matchAll(/<a href="#([^"]+)"/g)) {
    if (!idSet.has(m[1]!)) fail(`in-page link to missing id ${m[1]}`);
  }
  const labelled = new Set([...page.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]!));
  for (const m of page.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const attrs = m[2]!;
    if (/type="hidden"/.test(attrs)) continue;
    const id = /\sid="([^"]+)"/.exec(attrs)?.[1];
    if (!id || !labelled.has(id)) fail(`field without a label: <${m[1]}${attrs}>`);
  }
  for (const m of page.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/g)) {
    if (!m[1]!.replace(/<[^>]+>/g, '').trim()) fail('button without text');
  }
  let level = 0;
  for (const m of page.matchAll(/<h([1-6])[\s>]/g)) {
    const next = Number(m[1]);
    if (next > level + 1) fail(`heading level jumps from h${level} to h${next}`);
    level = next;
  }
  if (/<img(?![^>]*\salt=)/.test(page)) fail('image without alt');
}

for (const kind of databaseKinds()) {
  describe(`web: accessibility basics of the pages [${kind}]`, () => {
    let instance: TestInstance;
    let admin: Agent;
    let person: Person;

    before(async function () {
      this.timeout(120_000);
      instance = await startTestInstance(kind);
      await createDistrict(instance.database.db, { slug: 'centre', name: 'Centre' });
      await createDistrict(instance.database.db, { slug: 'gare', name: 'Gare' });
      // Two known servers, one unavailable: the servers page shows its table and a retry button.
      await touchInstance(instance.database.db, 'social.example');
      await recordDeliveryState(instance.database.db, 'down.example', 'unavailable', new Date());
      person = newPerson('a11y');
      admin = request.agent(instance.url);
      await signUpThroughForm(admin, person);
      const account = await findAccountByEmail(instance.database.db, person.email);
      await setRole(instance.database.db, account!.id, 'admin');
      await submitForm(admin, '/settings/personas', '/settings/personas', {
        handle: 'autre_a11y',
        displayName: 'Autre',
      });
    });
    after(async () => {
      await instance?.close();
    });

    const anonymousPages = ['/', '/districts', '/signup', '/login', '/about/privacy', '/no-such-page'];
    for (const lang of ['fr', 'en']) {
      for (const url of anonymousPages) {
        it(`${url} (${lang}, anonymous) passes the structural checks`, async () => {
          const res = await request(instance.url).get(`${url}?lang=${lang}`);
          checkPage(res.text, `${url} ${lang}`);
        });
      }
    }

    const ownPages = ['/', '/settings/personas', '/settings/account', '/admin/territory', '/admin/instances'];
    for (const url of ownPages) {
      it(`${url} (signed in, admin) passes the structural checks`, async () => {
        const res = await admin.get(url);
        assert.equal(res.status, 200);
        checkPage(res.text, url);
      });
    }

    it('the public page, edit and delete pages pass the structural checks', async () => {
      for (const url of [
        `/@${person.handle}`,
        '/settings/personas/autre_a11y/edit',
        '/settings/personas/autre_a11y/delete',
      ]) {
        const res = await admin.get(url);
        assert.equal(res.status, 200);
        checkPage(res.text, url);
      }
    });

    it('forms redisplayed with errors pass the structural checks', async () => {
      const signup = await submitForm(request.agent(instance.url), '/signup', '/signup', {
        email: 'x',
        handle: '!',
      });
      assert.equal(signup.status, 400);
      checkPage(signup.text, 'sign-up with errors');
      const persona = await submitForm(admin, '/settings/personas', '/settings/personas', { handle: '!' });
      checkPage(persona.text, 'persona form with errors');
      const district = await submitForm(admin, '/admin/territory', '/admin/territory/districts/centre', {
        name: '',
      });
      assert.equal(district.status, 400);
      checkPage(district.text, 'district form with errors');
    });
  });
}

describe('web: stylesheet contrast', () => {
  const css = readFileSync(path.join(import.meta.dirname, '..', 'web', 'static', 'parvis.css'), 'utf8');
  const vars = new Map([...css.matchAll(/--([a-z]+):\s*(#[0-9a-f]{6})/g)].map((m) => [m[1]!, m[2]!]));

  function luminance(hex: string): number {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function ratio(a: string, b: string): number {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  }
  const color = (name: string) =>
    name.startsWith('#') ? name : (vars.get(name) ?? assert.fail(`--${name}`));

  it('text colours reach 4.5:1 on the backgrounds they are used on', () => {
    const pairs: [string, string][] = [
      ['ink', 'paper'],
      ['muted', 'paper'],
      ['link', 'paper'],
      ['error', 'paper'],
      ['ok', 'paper'],
      ['ink', 'wash'],
      ['muted', 'wash'],
      ['link', 'wash'],
      ['error', 'wash'],
      ['#ffffff', 'brand'],
      ['#ffffff', 'error'],
      ['ink', 'focus'],
    ];
    for (const [fg, bg] of pairs) {
      const r = ratio(color(fg), color(bg));
      assert.ok(r >= 4.5, `${fg} on ${bg}: ${r.toFixed(2)}:1`);
    }
  });
});
