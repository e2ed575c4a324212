import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Skips the suite when Debian's Chromium is missing on a developer's machine; on CI (CI set) a
 * missing browser fails instead, so the browser tests never silently stop running there.
 */
export function requireChromium(suite: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (!process.env.CI) {
    console.warn(`    skipped: ${CHROMIUM} is missing (apt-get install -y chromium); CI runs this file`);
    suite.skip();
  }
  assert.fail(`${CHROMIUM} is missing; CI must install it`);
}

export type Browser = { context: BrowserContext; close(): Promise<void> };

/**
 * Headless Chromium with a fresh profile (no cookie, cache or IndexedDB left over from another
 * run), in the given locale (which sets Accept-Language). `close()` also removes the profile.
 */
export async function launchChromium(options: { locale?: string } = {}): Promise<Browser> {
  const profileDir = mkdtempSync(path.join(tmpdir(), 'parvis-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    locale: options.locale ?? 'fr-FR',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type AxeViolation = { id: string; impact: string | null; help: string; targets: string[] };

export const WCAG21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page as it stands (only the rules of `tags` when given, else all of
 * them) and returns every violation. The script is evaluated through the DevTools protocol,
 * which the pages' CSP (script-src 'self') does not govern.
 */
export async function axeViolations(page: Page, tags?: string[]): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const { passes, violations } = await page.evaluate(async (tags) => {
    type Results = {
      passes: unknown[];
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    };
    const axe = (window as unknown as { axe: { run: (o: object) => Promise<Results> } }).axe;
    const results = await axe.run(tags ? { runOnly: { type: 'tag', values: tags } } : {});
    return {
      passes: results.passes.length,
      violations: results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    };
  }, tags);
  assert.ok(passes > 0, 'axe-core ran its rules');
  return violations;
}

/** Serious or critical axe-core violations of the page (rule id and where), as the wallet test has always checked. */
export async function seriousViolations(page: Page): Promise<string[]> {
  return (await axeViolations(page))
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.targets.join(', ')}`);
}
