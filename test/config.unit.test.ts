import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../server/config.ts';
import { tempDir } from './support/instance.ts';

describe('configuration', () => {
  it('a bad value stops start-up with a message naming the variable', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', DATA_DIR: tempDir() }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /PORT/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ NODE_ROLE: 'boss', SECRET_KEY: 'x'.repeat(40) }), /NODE_ROLE/);
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://x', SECRET_KEY: 'x'.repeat(40) }),
      /DATABASE_URL/,
    );
    assert.throws(() => loadConfig({ SECRET_KEY: 'short' }), /SECRET_KEY/);
  });

  it('refuses the test-only private-address setting in production', () => {
    assert.throws(
      () =>
        loadConfig({
          NODE_ENV: 'production',
          FEDERATION_ALLOW_PRIVATE_ADDRESS: 'true',
          SECRET_KEY: 'x'.repeat(40),
        }),
      /FEDERATION_ALLOW_PRIVATE_ADDRESS/,
    );
  });

  it('without SECRET_KEY generates one on first start and keeps it in the data folder', () => {
    const dir = tempDir();
    try {
      const first = loadConfig({ DATA_DIR: dir });
      assert.ok(first.secretKey.length >= 32);
      assert.ok(existsSync(path.join(dir, 'secret.key')));
      assert.equal(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim(), first.secretKey);
      assert.equal(loadConfig({ DATA_DIR: dir }).secretKey, first.secretKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defaults to PGlite in ./data, role all, French', () => {
    const c = loadConfig({ SECRET_KEY: 'x'.repeat(40) });
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.dataDir, path.resolve('data'));
    assert.equal(c.role, 'all');
    assert.equal(c.defaultLanguage, 'fr');
  });
});
