import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import request from 'supertest';
import { startInstance } from '../server/instance.ts';
import { createPostgresDatabase, databaseKinds } from './support/databases.ts';
import { freePort, tempDir, testConfig } from './support/instance.ts';
import { repoRoot, runScript } from './support/processes.ts';

const PASSWORD = 'a long admin password';

for (const kind of databaseKinds()) {
  describe(`admin CLI [${kind}]`, () => {
    let env: Record<string, string>;
    let dataDir: string;
    before(async function () {
      this.timeout(120_000);
      dataDir = tempDir('parvis-cli-');
      env = {
        DATA_DIR: dataDir,
        SECRET_KEY: randomBytes(32).toString('hex'),
        DATABASE_URL: kind === 'postgres' ? await createPostgresDatabase() : '',
      };
    });
    after(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });
    const admin = (args: string[], input?: string) => runScript('server/admin-cli.ts', args, { env, input });

    /** Starts a server on the CLI's database, runs `fn`, stops it. */
    async function withServer(fn: (url: string) => Promise<void>) {
      const port = await freePort();
      const instance = await startInstance(testConfig(port, env));
      try {
        await fn(`http://127.0.0.1:${port}`);
      } finally {
        await instance.close();
      }
    }

    it('create-admin reads the password from piped stdin; the admin can then log in', async function () {
      this.timeout(120_000);
      const run = await admin(['create-admin', '--email', 'Maire@Example.org'], `${PASSWORD}\n`);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Admin account created/);
      assert.ok(!run.stdout.includes(PASSWORD));
      await withServer(async (url) => {
        const agent = request.agent(url);
        const login = await agent
          .post('/api/v1/session')
          .send({ email: 'maire@example.org', password: PASSWORD });
        assert.equal(login.status, 200);
        assert.equal(login.body.role, 'admin');
        assert.equal(login.body.activePersona, 'admin');
        await agent.post('/api/v1/districts').send({ slug: 'centre', name: 'Centre' }).expect(201);
      });
    });

    it('refuses a second account on the same e-mail, and a short password, creating nothing', async function () {
      this.timeout(120_000);
      const again = await admin(
        ['create-admin', '--email', 'maire@example.org', '--handle', 'other'],
        `${PASSWORD}\n`,
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already uses this e-mail/);
      const short = await admin(
        ['create-admin', '--email', 'deux@example.org', '--handle', 'deux'],
        'short\n',
      );
      assert.equal(short.code, 2);
      assert.match(short.stderr, /password: must be at least 10 characters/);
      const bad = await admin(['create-admin', '--email', 'not-an-email'], `${PASSWORD}\n`);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--email/);
      await withServer(async (url) => {
        const login = await request(url)
          .post('/api/v1/session')
          .send({ email: 'deux@example.org', password: 'short' });
        assert.equal(login.status, 401);
        assert.equal((await request(url).get('/api/v1/personas/deux')).status, 404);
      });
    });

    it('set-role gives an existing account a role, and refuses an unknown e-mail or role', async function () {
      this.timeout(120_000);
      const ok = await admin(['set-role', '--email', 'maire@example.org', '--role', 'moderator']);
      assert.equal(ok.code, 0, ok.stderr);
      const unknown = await admin(['set-role', '--email', 'nobody@example.org', '--role', 'agent']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No account uses this e-mail/);
      const badRole = await admin(['set-role', '--email', 'maire@example.org', '--role', 'mayor']);
      assert.equal(badRole.code, 2);
      await withServer(async (url) => {
        const login = await request(url)
          .post('/api/v1/session')
          .send({ email: 'maire@example.org', password: PASSWORD });
        assert.equal(login.body.role, 'moderator');
      });
    });

    it('--help describes the commands; an unknown command is a usage error', async () => {
      const help = await admin(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /create-admin --email/);
      assert.match(help.stdout, /set-role --email/);
      const unknown = await admin(['make-coffee']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /Unknown command: make-coffee/);
    });

    if (kind === 'pglite' && existsSync('/usr/bin/script')) {
      it('on a terminal, create-admin asks for the password twice without echoing it', async function () {
        this.timeout(120_000);
        const secret = 'typed on a terminal';
        const { code, output } = await onTerminal(
          ['create-admin', '--email', 'tty@example.org', '--handle', 'tty'],
          env,
          [
            [/Password \(at least/, `${secret}\r`],
            [/Password again/, `${secret}\r`],
          ],
        );
        assert.equal(code, 0, output);
        assert.match(output, /Admin account created/);
        assert.ok(!output.includes(secret), `the password is not echoed: ${JSON.stringify(output)}`);
      });
    }

    if (kind === 'pglite') {
      it('refuses clearly while a server holds the embedded database, and changes nothing', async function () {
        this.timeout(120_000);
        await withServer(async (url) => {
          const run = await admin(
            ['create-admin', '--email', 'late@example.org', '--handle', 'late'],
            `${PASSWORD}\n`,
          );
          assert.equal(run.code, 1);
          assert.match(run.stderr, /already open in another process/);
          assert.equal((await request(url).get('/api/v1/personas/late')).status, 404);
        });
      });
    }
  });
}

/** Runs the CLI in a pseudo-terminal (util-linux `script`), answering each prompt as it appears. */
function onTerminal(
  args: string[],
  env: Record<string, string>,
  answers: [RegExp, string][],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, 'server/admin-cli.ts', ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        TERM: 'dumb',
        ...env,
      },
    });
    let output = '';
    const pending = [...answers];
    child.stdout.on('data', (d) => {
      output += d;
      const next = pending[0];
      if (next?.[0].test(output)) {
        pending.shift();
        output = output.replace(next[0], '[asked]');
        child.stdin.write(next[1]);
      }
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer from the terminal session:\n${output}`));
    }, 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
