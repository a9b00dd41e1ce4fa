#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { closeDatabase, migrateDatabase, openDatabase, pendingMigrations } from '@roster/db';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';

const USAGE = `Usage: roster <command>

Commands:
  migrate          apply pending database migrations
  migrate:status   list pending migrations (exit 1 when any are pending)
`;

export async function runCli(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  const [command] = argv;
  if (command !== 'migrate' && command !== 'migrate:status') {
    (command ? err : out).write(USAGE);
    return command ? 2 : 0;
  }
  await loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      err.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const db = await openDatabase(config.databaseUrl);
  try {
    if (command === 'migrate') {
      const applied = await migrateDatabase(db);
      out.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Nothing to apply: the schema is up to date.\n');
      return 0;
    }
    const pending = await pendingMigrations(db);
    out.write(pending.length ? `Pending: ${pending.join(', ')}\n` : 'Up to date.\n');
    return pending.length ? 1 : 0;
  } finally {
    await closeDatabase(db);
  }
}

const entry = process.argv[1];
const isMain = entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
if (isMain) {
  process.exitCode = await runCli(process.argv.slice(2));
}
