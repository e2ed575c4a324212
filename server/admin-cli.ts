import { parseArgs } from 'node:util';
import { z } from 'zod';
import { findAccountByEmail, setRole, signUp } from '../models/accounts.ops.ts';
import { type Database, databaseOptions, openDatabase } from '../models/db.ts';
import { DomainEvents } from '../models/events.ts';
import { DataDirLockedError } from '../models/pglite-lock.ts';
import { ROLES, type Role } from '../models/schema/index.ts';
import { DisplayName, Email, Handle, Password } from '../models/validation.ts';
import { ConfigError, loadConfig } from './config.ts';

// `npm run admin -- <command>`: administration tasks that must work before anyone can log in
// (the first admin). Opens the configured database like `npm start` does (DATA_DIR or
// DATABASE_URL) and migrates it. Exit codes: 0 done, 1 refused or failed, 2 bad usage.

const HELP = `Usage: npm run admin -- <command> [options]

Commands:
  create-admin --email <e-mail> [--handle <handle>] [--display-name <name>]
      Creates an admin account with its first persona (default @admin, "Administration").
      The password is read from standard input when it is piped
        printf '%s\\n' 'a long password' | npm run admin -- create-admin --email admin@example.org
      and asked for (twice, not echoed) on a terminal. At least 10 characters.
  set-role --email <e-mail> --role <${ROLES.join('|')}>
      Gives an existing account a role.
  --help
      Shows this help.

The database is the one the server uses: DATABASE_URL, or the embedded database in DATA_DIR
(./data by default). The embedded database cannot be opened while a server is running on it.`;

type Options = { email?: string; handle?: string; 'display-name'?: string; role?: string };

class UsageError extends Error {}
class Refusal extends Error {}

function field<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
}

/** Reads the whole of a piped standard input; its first line is the password. */
async function readPipedPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trimEnd();
}

/** Asks on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Echo off before the question shows, so nothing typed (or pasted) early is echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Refusal('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return field(Password, await readPipedPassword(), 'password');
  const first = field(Password, await promptHidden('Password (at least 10 characters): '), 'password');
  const second = await promptHidden('Password again: ');
  if (first !== second) throw new Refusal('The two passwords differ; nothing was created.');
  return first;
}

async function withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(databaseOptions(config));
  try {
    await database.migrate();
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function createAdmin(values: Options): Promise<string> {
  const email = field(Email, values.email, '--email');
  const handle = field(Handle, values.handle ?? 'admin', '--handle');
  const displayName = field(DisplayName, values['display-name'] ?? 'Administration', '--display-name');
  // Open first: a locked database is refused before anyone types a password.
  return withDatabase(async (database) => {
    const password = await readPassword();
    const result = await signUp(
      { db: database.db, events: new DomainEvents() },
      { email, password, handle, displayName },
      'admin',
    );
    if (!result.ok) {
      switch (result.reason) {
        case 'email-taken':
          throw new Refusal(
            'An account already uses this e-mail. To make it an admin: npm run admin -- set-role --email … --role admin',
          );
        case 'handle-taken':
          throw new Refusal(`The handle @${handle} is taken; choose another with --handle.`);
        default: {
          const never: never = result.reason;
          throw new Error(`unexpected ${String(never)}`);
        }
      }
    }
    return `Admin account created, with the persona @${handle}.`;
  });
}

async function changeRole(values: Options): Promise<string> {
  const email = field(Email, values.email, '--email');
  const role: Role = field(z.enum(ROLES), values.role, '--role');
  return withDatabase(async (database) => {
    const account = await findAccountByEmail(database.db, email);
    if (!account) throw new Refusal('No account uses this e-mail.');
    const result = await setRole(database.db, account.id, role);
    if (!result.ok) throw new Refusal('No account uses this e-mail.');
    return `The account now has the role ${role}.`;
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: 'string' },
        handle: { type: 'string' },
        'display-name': { type: 'string' },
        role: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse();
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === 'help' || !command) {
    console.log(HELP);
    return command || parsed.values.help ? 0 : 2;
  }
  try {
    if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest.join(' ')}`);
    let message: string;
    if (command === 'create-admin') message = await createAdmin(parsed.values);
    else if (command === 'set-role') message = await changeRole(parsed.values);
    else throw new UsageError(`Unknown command: ${command}`);
    console.log(message);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\nRun \`npm run admin -- --help\` for usage.`);
      return 2;
    }
    if (err instanceof Refusal || err instanceof DataDirLockedError || err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
