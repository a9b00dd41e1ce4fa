#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  AppError,
  AuthCache,
  registerInput,
  createApiDeps,
  watchUserChanges,
  createContextInner,
  runUnitOfWork,
  type Services,
} from '@roster/api';
import { closeDatabase, migrateDatabase, openDatabase, pendingMigrations, type Database } from '@roster/db';
import { apiSettings } from './infra/api-settings.js';
import { provisionKeys } from './infra/keys.js';
import { ConfigError, loadConfig, loadDotEnv, type Config } from './infra/config.js';
import { configReport } from './infra/config-report.js';
import { cliInvalidation } from './infra/invalidation.js';
import { readSecret } from './cli/prompt.js';

const USAGE = `Usage: roster <command>

Commands:
  migrate                                  apply pending database migrations
  migrate:status                           list pending migrations (exit 1 when any are pending)
  create-admin --email E --username U      create an admin, or promote the account with that email when its
               [--full-name N]             address is verified; the password is read from stdin or a prompt,
               [--promote]                 never an argument. --promote also promotes an unverified account:
                                           its sessions end and the password given becomes its password
  set-role <email> <user|admin>            change an account's role
  check-config                             validate the environment and print the effective configuration
                                           (secrets masked); exit 1 with the errors when it is invalid
`;

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

const COMMANDS = new Set(['migrate', 'migrate:status', 'create-admin', 'set-role', 'check-config']);

async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.databaseUrl);
  try {
    return await work(db);
  } finally {
    await closeDatabase(db);
  }
}

/**
 * Runs `work` with the API over `db`; what it changes is announced to running servers (their auth caches) once
 * committed, before the command returns.
 */
async function withApi<T>(
  db: Database,
  config: Config,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  const bus = cliInvalidation(config, db);
  const authCache = new AuthCache({ ttlMs: 0, bus });
  watchUserChanges(db.orm, authCache);
  try {
    const ctx = createContextInner({
      deps: createApiDeps(db.orm, apiSettings(config, provisionKeys(config)), { authCache }),
      userAgent: 'roster-cli',
    });
    return await runUnitOfWork(ctx, work);
  } finally {
    await bus.close();
  }
}

async function createAdmin(args: string[], config: Config, io: CliIo): Promise<number> {
  let values: { email?: string; username?: string; 'full-name'?: string; promote?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        email: { type: 'string' },
        username: { type: 'string' },
        'full-name': { type: 'string' },
        promote: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    io.err.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.email || !values.username) {
    io.err.write('create-admin needs --email and --username\n');
    return 2;
  }
  const password = await readSecret(io, 'Password for the new admin: ');
  // The API's own rules for a registration (email normalised, username, password, full name).
  const input = registerInput.omit({ bio: true }).safeParse({
    email: values.email,
    username: values.username,
    password,
    ...(values['full-name'] === undefined ? {} : { full_name: values['full-name'] }),
  });
  if (!input.success) {
    io.err.write(`${input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n')}\n`);
    return 2;
  }
  return withDatabase(config, async (db) => {
    await migrateDatabase(db);
    const { full_name: fullName, ...account } = input.data;
    const outcome = await withApi(db, config, (api) =>
      api.admin.ensureAdmin(
        { ...account, ...(fullName ? { full_name: fullName } : {}) },
        { promote: values.promote === true },
      ),
    );
    io.out.write(
      `${input.data.email}: ${outcome === 'created' ? 'admin created' : outcome === 'promoted' ? 'promoted to admin' : 'already an admin'}\n`,
    );
    return 0;
  });
}

async function setRole(args: string[], config: Config, io: CliIo): Promise<number> {
  const [email, role] = args;
  if (!email || (role !== 'user' && role !== 'admin')) {
    io.err.write('usage: roster set-role <email> <user|admin>\n');
    return 2;
  }
  return withDatabase(config, async (db) => {
    const user = await withApi(db, config, (api) => api.admin.setRole(email.trim().toLowerCase(), role));
    io.out.write(`${user.email} is now ${user.role}\n`);
    return 0;
  });
}

export async function runCli(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  stdin: CliIo['stdin'] = process.stdin,
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || !COMMANDS.has(command)) {
    (command ? err : out).write(USAGE);
    return command ? 2 : 0;
  }
  await loadDotEnv();
  const checking = command === 'check-config';
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      err.write(`${error.message}\n`);
      return checking ? 1 : 2;
    }
    throw error;
  }
  if (checking) {
    out.write(`${JSON.stringify(configReport(config), null, 2)}\n`);
    return 0;
  }
  const io = { out, err, stdin };
  try {
    if (command === 'create-admin') return await createAdmin(rest, config, io);
    if (command === 'set-role') return await setRole(rest, config, io);
  } catch (error) {
    if (error instanceof AppError) {
      err.write(`${error.message} (${error.appCode})\n`);
      return 1;
    }
    throw error;
  }
  return withDatabase(config, async (db) => {
    if (command === 'migrate') {
      const applied = await migrateDatabase(db);
      out.write(
        applied.length ? `Applied: ${applied.join(', ')}\n` : 'Nothing to apply: the schema is up to date.\n',
      );
      return 0;
    }
    const pending = await pendingMigrations(db);
    out.write(pending.length ? `Pending: ${pending.join(', ')}\n` : 'Up to date.\n');
    return pending.length ? 1 : 0;
  });
}

const entry = process.argv[1];
const isMain = entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
if (isMain) {
  process.exitCode = await runCli(process.argv.slice(2));
}
