import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROLES } from '../models/schema/index.ts';
import { html, raw } from '../web/html.ts';
import { en } from '../web/i18n/en.ts';
import { fr } from '../web/i18n/fr.ts';
import { fromAcceptLanguage, resolveLanguage, translator } from '../web/i18n/index.ts';

const webDir = path.join(import.meta.dirname, '..', 'web');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'i18n' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const namespaces = new Set(Object.keys(fr).map((k) => k.split('.')[0]));

/** Every quoted 'namespace.key' literal in web/ (outside the catalogues) that looks like a message key. */
function keysUsedInWeb(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of sourceFiles(webDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/'([a-z]+(?:\.[a-zA-Z0-9]+)+)'/g)) {
      const key = match[1]!;
      if (namespaces.has(key.split('.')[0]!) && !/\.(ts|css|js)$/.test(key))
        used.set(key, path.relative(webDir, file));
    }
  }
  return used;
}

function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

describe('web translations', () => {
  it('English has exactly the French keys, none of them empty', () => {
    assert.deepEqual(Object.keys(en).sort(), Object.keys(fr).sort());
    for (const [key, value] of Object.entries(en)) assert.ok(value.trim(), `en ${key} is empty`);
    for (const [key, value] of Object.entries(fr)) assert.ok(value.trim(), `fr ${key} is empty`);
  });

  it('both languages use the same placeholders in each message', () => {
    for (const key of Object.keys(fr) as (keyof typeof fr)[]) {
      assert.deepEqual(placeholders(en[key]), placeholders(fr[key]), `placeholders of ${key}`);
    }
  });

  it('every message key used in web/ exists in the catalogue', () => {
    const used = keysUsedInWeb();
    assert.ok(used.size > 50, 'the scan finds the keys used by the pages');
    const missing = [...used].filter(([key]) => !(key in fr)).map(([key, file]) => `${key} (${file})`);
    assert.deepEqual(missing, []);
  });

  it('every role has a label (the account page builds role.<role>)', () => {
    for (const role of ROLES) assert.ok(`role.${role}` in fr, `role.${role}`);
  });

  it('fills placeholders', () => {
    assert.equal(translator('en')('personas.editTitle', { handle: 'ana' }), 'Edit @ana');
    assert.equal(
      translator('fr')('form.errorSummary', { count: 2 }),
      'Le formulaire contient des erreurs (2)',
    );
  });
});

describe('web language choice', () => {
  const base = {
    query: undefined,
    cookie: undefined,
    account: undefined,
    acceptLanguage: undefined,
    fallback: 'fr' as const,
  };

  it('prefers ?lang=, then the cookie, then the account, then Accept-Language, then the default', () => {
    assert.equal(resolveLanguage({ ...base, query: 'en', cookie: 'fr', account: 'fr' }), 'en');
    assert.equal(resolveLanguage({ ...base, cookie: 'en', account: 'fr' }), 'en');
    assert.equal(resolveLanguage({ ...base, account: 'en', acceptLanguage: 'fr' }), 'en');
    assert.equal(resolveLanguage({ ...base, acceptLanguage: 'en-US,en;q=0.8' }), 'en');
    assert.equal(resolveLanguage({ ...base, fallback: 'en' }), 'en');
  });

  it('ignores unsupported values', () => {
    assert.equal(resolveLanguage({ ...base, query: 'de', cookie: '<x>', acceptLanguage: 'de-DE' }), 'fr');
    assert.equal(resolveLanguage({ ...base, query: ['en', 'fr'] }), 'fr');
  });

  it('reads Accept-Language by quality', () => {
    assert.equal(fromAcceptLanguage('de;q=1, en;q=0.5, fr;q=0.9'), 'fr');
    assert.equal(fromAcceptLanguage('fr;q=0, en'), 'en');
    assert.equal(fromAcceptLanguage('*'), undefined);
    assert.equal(fromAcceptLanguage(undefined), undefined);
  });
});

describe('web html templates', () => {
  it('escapes interpolated text, attributes included', () => {
    const evil = `<script>alert("x")</script>' onmouseover='y`;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    assert.doesNotMatch(out, /<script>/);
    assert.equal(
      out,
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y</p>',
    );
  });

  it('nests templates and raw fragments without escaping them again, joins arrays, drops empty values', () => {
    const inner = html`<b>${'a&b'}</b>`;
    const out = html`<div>${inner}${raw('<hr>')}${['x', html`<i>y</i>`]}${null}${undefined}${false}${0}</div>`
      .value;
    assert.equal(out, '<div><b>a&amp;b</b><hr>x<i>y</i>0</div>');
  });
});
