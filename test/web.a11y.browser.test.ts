import assert from 'node:assert/strict';
import { eq, isNull } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { findAccountByEmail, signUp } from '../models/accounts.ops.ts';
import { recordDeliveryState, touchInstance } from '../models/instances.ops.ts';
import { createPersona, findPersonaByHandle } from '../models/personas.ops.ts';
import { publicReplyRows } from '../models/posts.queries.ts';
import { posts } from '../models/schema/index.ts';
import { seedDemo } from '../server/demo/seed.ts';
import { DEMO_PASSWORD } from '../server/demo/town.ts';
import {
  axeViolations,
  type Browser,
  launchChromium,
  requireChromium,
  WCAG21_AA,
} from './support/browser.ts';
import { databaseKinds } from './support/databases.ts';
import { startTestInstance, type TestInstance } from './support/instance.ts';

const RESIDENT = { email: 'camille@demo.parvis.invalid', handle: 'camille_b', displayName: 'Camille B.' };
const SECOND = { handle: 'velo_centre', displayName: 'Vélo du Centre' };
const ADMIN = { email: 'admin@example.org', password: 'an admin password long enough' };
const LANGS = ['fr', 'en'] as const;

/** Minor and moderate findings, printed at the end: worth fixing, not failing the build. */
const lesser: string[] = [];

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page and fails on any serious or
 * critical violation; minor and moderate ones are collected for the report.
 */
async function checkAxe(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page, WCAG21_AA);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of violations.filter((x) => !serious.includes(x)))
    lesser.push(`${where}: [${v.impact}] ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
  assert.deepEqual(
    serious.map((v) => `${v.id} [${v.impact}] ${v.help}: ${v.targets.join(', ')}`),
    [],
    `no serious or critical axe violation on ${where}`,
  );
}

async function visit(page: Page, url: string, lang: string, status = 200): Promise<void> {
  const response = await page.goto(url);
  assert.equal(response?.status(), status, `${url} answers ${status}`);
  assert.equal(await page.getAttribute('html', 'lang'), lang, `${url} is in ${lang}`);
}

/** Logs in through the real form, typing as a person would and sending it with Enter. */
async function logIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.keyboard.press('Enter')]);
}

/** The element that has focus, described by tag, id and class (enough to tell them apart here). */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return '';
    return `${el.tagName.toLowerCase()}#${el.id}.${el.className} ${(el.textContent ?? '').trim()}`;
  });
}

/** Presses Tab until the focused element matches, within a bound so a trap cannot hang the test. */
async function tabTo(page: Page, matches: (desc: string) => boolean, what: string): Promise<void> {
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    if (matches(await focused(page))) return;
  }
  assert.fail(`Tab never reached ${what}`);
}

/**
 * WCAG 1.4.10 (reflow): at 320 CSS pixels wide the page needs no horizontal scrolling.
 * Measured on the page as loaded, then the usual window size comes back.
 */
async function checkReflow(page: Page, where: string): Promise<void> {
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.setViewportSize({ width: 1280, height: 720 });
  assert.ok(
    overflow <= 0,
    `${where} reflows at 320 px without horizontal scrolling (${overflow} px too wide)`,
  );
}

/**
 * After a refused form: the page says "Error" first in its title, the error summary has focus
 * (no script runs, so it must come from the markup) and its first link moves focus to the field.
 */
async function checkErrorSummary(page: Page, lang: string, where: string): Promise<void> {
  await page.waitForSelector('.error-summary');
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  assert.match(await page.title(), lang === 'fr' ? /^Erreur/ : /^Error/);
  assert.match(await focused(page), /^div#\.error-summary/, `the error summary has focus on ${where}`);
  const first = page.locator('.error-summary a').first();
  const target = (await first.getAttribute('href')) ?? '';
  assert.match(target, /^#f-/);
  await first.press('Enter');
  assert.match(await focused(page), new RegExp(`^(input|select|textarea)${target}\\.`), 'focus on the field');
  await checkAxe(page, where);
}

/**
 * The web pages in a real browser (Debian's Chromium through playwright-core) on the demo town,
 * in French and in English: axe-core finds no serious or critical WCAG 2.1 AA violation, the
 * skip link, the language and persona switchers and the forms work with the keyboard alone.
 * Runs on each database, as the pages read what the demo wrote there.
 */
for (const kind of databaseKinds()) {
  describe(`web: accessibility of the pages in a real browser (${kind})`, function () {
    this.timeout(180_000);
    let instance: TestInstance;
    let browser: Browser;
    let page: Page;
    let base: string;
    let postId: string;
    let ownPostId: string;

    before(async function () {
      requireChromium(this);
      instance = await startTestInstance(kind);
      base = instance.url;
      const { ctx } = instance;
      assert.ok((await signUp(ctx, { ...ADMIN, handle: 'admin_a11y', displayName: 'Admin' }, 'admin')).ok);
      // Known servers, one unavailable, for the servers page's table and retry button.
      await touchInstance(ctx.db, 'social.example');
      await recordDeliveryState(ctx.db, 'down.example', 'unavailable', new Date());
      assert.deepEqual(await seedDemo(ctx, { name: 'Parvis' }), { ok: true, created: true });
      const account = await findAccountByEmail(ctx.db, RESIDENT.email);
      assert.ok(account);
      // A second persona, so that the switcher and the delete confirmation have something to show.
      assert.ok((await createPersona(ctx, account.id, { ...SECOND, bio: '', districtSlug: 'centre' })).ok);
      // A top-level post with replies: its page shows a thread.
      const roots = await ctx.db.select({ id: posts.id }).from(posts).where(isNull(posts.inReplyToId));
      for (const r of roots) if ((await publicReplyRows(ctx.db, r.id)).length > 1) postId = r.id;
      assert.ok(postId, 'the demo has a post with replies');
      const persona = await findPersonaByHandle(ctx.db, RESIDENT.handle);
      assert.ok(persona);
      const [own] = await ctx.db
        .select({ id: posts.id })
        .from(posts)
        .where(eq(posts.authorPersonaId, persona.id));
      assert.ok(own, `the demo has a post by @${RESIDENT.handle}`);
      ownPostId = own.id;
      browser = await launchChromium({ locale: 'fr-FR' });
      page = await browser.context.newPage();
    });

    after(async () => {
      if (lesser.length) console.log(`    minor or moderate axe findings:\n      ${lesser.join('\n      ')}`);
      lesser.length = 0;
      await browser?.close();
      await instance?.close();
    });

    for (const lang of LANGS) {
      describe(`in ${lang}`, () => {
        before(async () => {
          await browser.context.clearCookies();
          // ?lang= sets the language cookie: every later page of this block is in that language.
          await visit(page, `${base}/?lang=${lang}`, lang);
        });

        const publicPages: [string, () => string][] = [
          ['the home page', () => '/'],
          ['the districts', () => '/districts'],
          ['the privacy page', () => '/about/privacy'],
          ['the login form', () => '/login'],
          ['the sign-up form', () => '/signup'],
          ['a persona page', () => '/@arnaud_r'],
          ['an institution page', () => '/@mairie'],
          ['a post page with its thread', () => `/posts/${postId}`],
        ];
        for (const [what, path] of publicPages) {
          it(`${what} has no serious or critical violation and reflows at 320 px`, async () => {
            await visit(page, `${base}${path()}`, lang);
            await checkAxe(page, `${path()} (${lang})`);
            await checkReflow(page, `${path()} (${lang})`);
          });
        }

        it('texts the town wrote (in French) are marked French, whatever the page language', async () => {
          const townTexts: [string, string][] = [
            ['/', '.lead'],
            ['/', '.district-list'],
            ['/districts', '.district-list'],
            ['/@mairie', 'h1'],
            ['/@mairie', '.bio'],
          ];
          for (const [path, selector] of townTexts) {
            await visit(page, `${base}${path}`, lang);
            const spoken = await page
              .locator(selector)
              .first()
              .evaluate((el) => el.closest('[lang]')?.getAttribute('lang'));
            assert.equal(spoken, 'fr', `${selector} on ${path} (${lang}) is read as French`);
          }
        });

        it('the 404 page has no serious or critical violation and reflows at 320 px', async () => {
          await visit(page, `${base}/nowhere-to-be-found`, lang, 404);
          await checkAxe(page, `404 (${lang})`);
          await checkReflow(page, `404 (${lang})`);
        });

        it('a failed sign-up focuses the error summary, whose links lead to the fields', async () => {
          await visit(page, `${base}/signup`, lang);
          await page.locator('#f-email').fill('not an e-mail');
          await page.locator('main form button[type=submit]').click();
          await checkErrorSummary(page, lang, `/signup after a failed submit (${lang})`);
        });

        it('a refused login focuses the error summary, whose link leads to the e-mail field', async () => {
          await visit(page, `${base}/login`, lang);
          await page.locator('#f-email').fill('nobody@example.org');
          await page.locator('#f-password').fill('not the password at all');
          await page.locator('main form button[type=submit]').click();
          await checkErrorSummary(page, lang, `/login after a refused login (${lang})`);
        });

        describe('signed in as a resident', () => {
          before(async () => {
            await logIn(page, base, RESIDENT.email, DEMO_PASSWORD);
          });
          after(async () => {
            await browser.context.clearCookies();
            await visit(page, `${base}/?lang=${lang}`, lang);
          });
          const residentPages: [string, () => string][] = [
            ['the account settings', () => '/settings/account'],
            ['the personas settings', () => '/settings/personas'],
            ['a persona delete confirmation', () => `/settings/personas/${SECOND.handle}/delete`],
            ['a persona edit form', () => `/settings/personas/${RESIDENT.handle}/edit`],
            ['the personal feed', () => '/feed'],
            ['the followed accounts', () => '/settings/following'],
            ['a post page with the reply form', () => `/posts/${postId}`],
            ['the edit form of an own post', () => `/posts/${ownPostId}/edit`],
            ['the delete confirmation of an own post', () => `/posts/${ownPostId}/delete`],
          ];
          it('the composer and the reply form say their message is required, before any submit', async () => {
            for (const path of ['/', `/posts/${postId}`]) {
              await visit(page, `${base}${path}`, lang);
              const fields = page.locator('form.composer textarea');
              assert.ok((await fields.count()) > 0, `a composer on ${path}`);
              for (const field of await fields.all()) {
                assert.ok(
                  await field.evaluate((el) => (el as HTMLTextAreaElement).required),
                  `required on ${path}`,
                );
              }
            }
          });

          for (const [what, path] of residentPages) {
            it(`${what} has no serious or critical violation and reflows at 320 px`, async () => {
              await visit(page, `${base}${path()}`, lang);
              await checkAxe(page, `${path()} (${lang}, signed in)`);
              await checkReflow(page, `${path()} (${lang}, signed in)`);
            });
          }

          it('after a setting is saved, the page’s notice is a status that has the focus', async () => {
            await visit(page, `${base}/settings/account`, lang);
            await page.locator('#f-language').selectOption(lang);
            await Promise.all([
              page.waitForURL(/saved=1/),
              page.locator('form[action="/settings/account/language"] button[type=submit]').click(),
            ]);
            assert.equal(await page.getAttribute('html', 'lang'), lang);
            const saved = lang === 'fr' ? 'Modifications enregistrées.' : 'Changes saved.';
            assert.equal(await focused(page), `p#.notice ${saved}`, 'the notice has focus on load');
            assert.equal(await page.getAttribute('.notice', 'role'), 'status');
            await checkAxe(page, `/settings/account?saved=1 (${lang})`);
            await checkReflow(page, `/settings/account?saved=1 (${lang})`);
          });
        });

        describe('signed in as an admin', () => {
          before(async () => {
            await logIn(page, base, ADMIN.email, ADMIN.password);
          });
          for (const path of ['/admin/territory', '/admin/territory?saved=1', '/admin/instances']) {
            it(`${path} has no serious or critical violation and reflows at 320 px`, async () => {
              await visit(page, `${base}${path}`, lang);
              await checkAxe(page, `${path} (${lang})`);
              await checkReflow(page, `${path} (${lang})`);
            });
          }
        });
      });
    }

    describe('with the keyboard alone', () => {
      before(async () => {
        await browser.context.clearCookies();
        await visit(page, `${base}/?lang=fr`, 'fr');
      });

      it('the first Tab reaches the skip link, which moves focus to the main content', async () => {
        await visit(page, `${base}/`, 'fr');
        await page.keyboard.press('Tab');
        assert.match(await focused(page), /^a#\.skip-link /);
        assert.ok(await page.locator('.skip-link').isVisible(), 'the focused skip link is visible');
        await page.keyboard.press('Enter');
        assert.match(await focused(page), /^main#main\./);
        // The next Tab goes on from the main content, not back to the header.
        await page.keyboard.press('Tab');
        assert.ok(
          await page.evaluate(() => document.querySelector('main')?.contains(document.activeElement)),
          'Tab after the skip link stays in the main content',
        );
      });

      it('the language switcher works with Tab and Enter', async () => {
        await visit(page, `${base}/districts`, 'fr');
        await tabTo(page, (d) => d.startsWith('a#.') && d.endsWith(' English'), 'the language switcher');
        await Promise.all([page.waitForURL(/lang=en/), page.keyboard.press('Enter')]);
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        assert.equal(new URL(page.url()).pathname, '/districts', 'the switcher stays on the same page');
        await tabTo(page, (d) => d.endsWith(' Français'), 'the language switcher back');
        await Promise.all([page.waitForURL(/lang=fr/), page.keyboard.press('Enter')]);
        assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      });

      it('the login form is sent with Enter and the persona switcher works with the keyboard', async () => {
        await page.goto(`${base}/login`);
        await tabTo(page, (d) => d.startsWith('input#f-email'), 'the e-mail field');
        await page.keyboard.type(RESIDENT.email);
        await page.keyboard.press('Tab');
        assert.match(await focused(page), /^input#f-password/);
        await page.keyboard.type(DEMO_PASSWORD);
        await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
        assert.match((await page.locator('.persona-current').textContent()) ?? '', /@camille_b/);

        await tabTo(page, (d) => d.startsWith('summary'), 'the persona switcher');
        await page.keyboard.press('Enter');
        assert.ok(await page.locator('.persona-switcher').evaluate((d) => (d as HTMLDetailsElement).open));
        await tabTo(
          page,
          (d) => d.includes(`@${SECOND.handle}`) && d.startsWith('button'),
          'the other persona',
        );
        await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
        await page.waitForFunction(
          (h) => document.querySelector('.persona-current')?.textContent?.includes(`@${h}`),
          SECOND.handle,
        );
        await checkAxe(page, 'after switching persona (fr)');
      });

      it('every element Tab reaches on the home page shows where the focus is', async () => {
        await visit(page, `${base}/`, 'fr');
        const seen: string[] = [];
        for (let i = 0; i < 120; i += 1) {
          await page.keyboard.press('Tab');
          const state = await page.evaluate(() => {
            const el = document.activeElement;
            if (!el || el === document.body) return undefined;
            const style = getComputedStyle(el);
            const outlined = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
            return {
              desc: `${el.tagName.toLowerCase()} ${(el.textContent ?? '').trim().slice(0, 40)}`,
              visible: outlined || style.boxShadow !== 'none',
            };
          });
          if (!state) break;
          if (seen.includes(state.desc) && state.desc === seen[0]) break;
          seen.push(state.desc);
          assert.ok(state.visible, `no visible focus indicator on ${state.desc}`);
        }
        assert.ok(seen.length > 20, `Tab went through the page (${seen.length} stops)`);
      });

      it('a settings form is sent with Enter from a text field', async () => {
        await page.goto(`${base}/settings/personas`);
        await page.locator('#f-handle').focus();
        await page.keyboard.type('jardin_clos');
        await page.locator('#f-displayName').focus();
        await page.keyboard.type('Jardin clos');
        await Promise.all([page.waitForURL(/done=/), page.keyboard.press('Enter')]);
        assert.ok(await page.locator('.persona-list .handle', { hasText: '@jardin_clos' }).isVisible());
        assert.equal(
          await focused(page),
          'p#.notice Pseudonyme créé.',
          'the notice has focus after the redirect',
        );
      });

      it('lays pages out cleanly: space under the header, footer at the bottom, header items aligned', async () => {
        await page.setViewportSize({ width: 1280, height: 1200 });
        await visit(page, `${base}/nowhere-to-be-found`, 'fr', 404);
        const layout = await page.evaluate(() => {
          const box = (sel: string) => document.querySelector(sel)?.getBoundingClientRect();
          const center = (r: DOMRect | undefined) => (r ? r.top + r.height / 2 : Number.NaN);
          return {
            gapUnderHeader: (box('h1')?.top ?? 0) - (box('.site-header')?.bottom ?? 0),
            footerBottom: box('.site-footer')?.bottom ?? 0,
            viewport: window.innerHeight,
            logoutOffset: Math.abs(center(box('.logout-form button')) - center(box('.persona-current'))),
          };
        });
        assert.ok(
          layout.gapUnderHeader >= 16,
          `the h1 stands clear of the header (${layout.gapUnderHeader} px)`,
        );
        assert.ok(
          layout.footerBottom >= layout.viewport - 1,
          `the footer ends at the bottom of a short page (${layout.footerBottom} of ${layout.viewport} px)`,
        );
        assert.ok(
          layout.logoutOffset <= 4,
          `log out sits on the persona line (${layout.logoutOffset} px off)`,
        );
        await page.setViewportSize({ width: 1280, height: 720 });
      });

      it('takes screenshots of the home page and a persona page (fr) for a look', async () => {
        await visit(page, `${base}/`, 'fr');
        await page.screenshot({ path: '/tmp/parvis-home-fr.png', fullPage: true });
        await visit(page, `${base}/@arnaud_r`, 'fr');
        await page.screenshot({ path: '/tmp/parvis-persona-fr.png', fullPage: true });
        await page.setViewportSize({ width: 360, height: 740 });
        await visit(page, `${base}/`, 'fr');
        await page.screenshot({ path: '/tmp/parvis-home-fr-narrow.png', fullPage: true });
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow} px)`);
        await page.setViewportSize({ width: 1280, height: 720 });
      });
    });
  });
}
