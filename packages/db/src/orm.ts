import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { createOrmConfig, parseDatabaseUrl, type DatabaseKind, type OrmConfigOptions } from './config.js';
import { fillFoldedNames } from './search-text.js';

export interface Database {
  orm: MikroORM;
  kind: DatabaseKind;
}

/**
 * Connects to the database a DATABASE_URL names. Never touches the schema: call `migrateDatabase` for that.
 * For SQLite the parent folder is created, WAL is on and writers wait for each other instead of failing.
 */
export async function openDatabase(
  url: string,
  opts: OrmConfigOptions & { overrides?: Partial<Options> } = {},
): Promise<Database> {
  const target = parseDatabaseUrl(url);
  if (target.kind === 'sqlite' && target.location !== ':memory:') {
    mkdirSync(dirname(target.location), { recursive: true });
  }
  const orm = await MikroORM.init({ ...createOrmConfig(target, opts), ...opts.overrides });
  if (target.kind === 'sqlite') {
    const conn = orm.em.getConnection();
    await conn.execute('pragma journal_mode = WAL');
    await conn.execute('pragma busy_timeout = 5000');
    await conn.execute('pragma foreign_keys = ON');
  }
  return { orm, kind: target.kind };
}

/**
 * Applies every pending migration in one transaction, then folds the full name of any account that has no folded
 * copy yet (see search-text.ts); returns the names of the migrations applied.
 */
export async function migrateDatabase(db: Database): Promise<string[]> {
  const applied = await db.orm.getMigrator().up();
  await fillFoldedNames(db.orm.em.fork());
  return applied.map((m) => m.name);
}

export async function pendingMigrations(db: Database): Promise<string[]> {
  const pending = await db.orm.getMigrator().getPendingMigrations();
  return pending.map((m) => m.name);
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.orm.close(true);
}

export { Migrator };
