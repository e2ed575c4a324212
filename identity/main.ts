import { createInterface } from 'node:readline';
import { loadConfig } from './config.ts';
import { identityDbOptions, openIdentityDb } from './db.ts';
import { createIdentityApp } from './service/app.ts';
import type { ServiceContext } from './service/context.ts';
import { createOperator } from './service/enrolment.ops.ts';
import { purgeExpired } from './service/grants.ops.ts';
import { activeSigningKey, rotateSigningKey } from './service/keys.ops.ts';
import { loadSecretKey } from './service/secrets.ts';

const [major] = process.versions.node.split('.').map(Number);
if ((major ?? 0) < 22) {
  console.error(`Node ${process.versions.node} is too old: run through npm (npm run identity).`);
  process.exit(1);
}

async function readStdin(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) return line;
  return '';
}

async function main(args: string[]) {
  const config = loadConfig();
  const opened = await openIdentityDb(identityDbOptions(config));
  const ctx: ServiceContext = {
    db: opened.db,
    config,
    secret: await loadSecretKey(config.dataDir, config.secretKey),
    now: () => new Date(),
  };
  const command = args[0] ?? 'serve';
  if (command === 'create-operator') {
    const emailIndex = args.indexOf('--email');
    const email = emailIndex >= 0 ? args[emailIndex + 1] : undefined;
    if (!email)
      throw new Error('usage: npm run identity -- create-operator --email someone@example.org < password');
    const result = await createOperator(ctx.db, email, (await readStdin()).trim());
    await opened.close();
    if (!result.ok) throw new Error(`operator not created: ${result.reason}`);
    console.log(`operator ${email} created`);
    return;
  }
  if (command === 'rotate-key') {
    const { kid } = await rotateSigningKey(ctx, ctx.now(), config.credentialDays);
    await opened.close();
    console.log(`new signing key ${kid}`);
    return;
  }
  if (command !== 'serve') throw new Error(`unknown command ${command}`);
  await activeSigningKey(ctx, ctx.now());
  const server = createIdentityApp(ctx).listen(config.port, config.host, () => {
    console.log(`identity service on ${config.publicUrl} (listening ${config.host}:${config.port})`);
  });
  const purge = setInterval(() => {
    purgeExpired(ctx).catch((error: Error) => console.error('purge failed:', error.message));
  }, 3_600_000);
  const stop = () => {
    clearInterval(purge);
    server.close(() => {
      opened.close().then(
        () => process.exit(0),
        (error: Error) => {
          console.error(error.message);
          process.exit(1);
        },
      );
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
