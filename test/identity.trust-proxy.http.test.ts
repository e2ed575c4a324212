import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import request from 'supertest';
import { databaseKinds } from './support/databases.ts';
import { exited, spawnScript } from './support/identity-processes.ts';
import { openIdentityTestDb, startIdentityApp } from './support/identity-service.ts';
import { tempDir } from './support/instance.ts';

/** The operator login allows 10 attempts per client address in 15 minutes. */
const LOGIN_LIMIT = 10;
const WRONG = { email: 'nobody@parvis.example', password: 'not the password at all' };

function failedLogin(url: string, forwardedFor: string) {
  return request(url).post('/operator/login').set('X-Forwarded-For', forwardedFor).send(WRONG);
}

/** Uses up one address's allowance: every attempt is refused as a wrong password, none as a limit. */
async function useUpAllowance(url: string, forwardedFor: string): Promise<void> {
  for (let i = 0; i < LOGIN_LIMIT; i++) {
    assert.equal((await failedLogin(url, forwardedFor)).status, 401, `attempt ${i + 1} from ${forwardedFor}`);
  }
}

for (const kind of databaseKinds()) {
  describe(`identity service behind a reverse proxy (${kind})`, () => {
    let opened: Awaited<ReturnType<typeof openIdentityTestDb>>;

    before(async () => {
      opened = await openIdentityTestDb(kind);
    });
    after(async () => {
      await opened?.drop();
    });

    it('without IDENTITY_TRUST_PROXY, X-Forwarded-For is ignored: two clients behind one address share a limit', async () => {
      const service = await startIdentityApp(opened.handle);
      try {
        await useUpAllowance(service.url, '203.0.113.1');
        const first = await failedLogin(service.url, '203.0.113.1');
        assert.equal(first.status, 429);
        assert.ok(Number(first.headers['retry-after']) > 0, 'Retry-After says when to come back');
        const other = await failedLogin(service.url, '203.0.113.2');
        assert.equal(other.status, 429, 'the other "client" is the same socket address, so the same bucket');
      } finally {
        await service.close();
      }
    });

    it('with IDENTITY_TRUST_PROXY=true, each client the proxy names is counted apart', async () => {
      const service = await startIdentityApp(opened.handle, { IDENTITY_TRUST_PROXY: 'true' });
      try {
        await useUpAllowance(service.url, '203.0.113.1');
        assert.equal((await failedLogin(service.url, '203.0.113.1')).status, 429);
        // The next client still has its whole allowance, and uses it up on its own.
        await useUpAllowance(service.url, '203.0.113.2');
        assert.equal((await failedLogin(service.url, '203.0.113.2')).status, 429);
        // As with express's `trust proxy`, the client is the first address of the header.
        assert.equal((await failedLogin(service.url, '203.0.113.1, 198.51.100.7')).status, 429);
        assert.equal((await failedLogin(service.url, '203.0.113.3, 198.51.100.7')).status, 401);
      } finally {
        await service.close();
      }
    });
  });
}

describe('identity service start-up with a bad IDENTITY_TRUST_PROXY', () => {
  it('stops with an error naming the variable, before opening any database', async function () {
    this.timeout(60_000);
    const dataDir = tempDir();
    const service = spawnScript('identity/main.ts', [], {
      IDENTITY_TRUST_PROXY: 'maybe',
      IDENTITY_DATA_DIR: dataDir,
      IDENTITY_PORT: '0',
    });
    assert.equal(await exited(service), 1);
    assert.match(service.output(), /Invalid identity service configuration:\n {2}IDENTITY_TRUST_PROXY: /);
    assert.doesNotMatch(service.output(), /identity service on /, 'it never listened');
    assert.deepEqual(readdirSync(dataDir), [], 'nothing was written to the data folder');
    rmSync(dataDir, { recursive: true, force: true });
  });
});
