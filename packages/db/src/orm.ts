import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { AbstractSqlConnection } from '@mikro-orm/sqlite';
import { createOrmConfig, parseDatabaseUrl, type DatabaseKind, type OrmConfigOptions } from './config.js';
import { fillFoldedNames } from './search-text.js';

export interface Database {
  orm: MikroORM;
  kind: DatabaseKind;
}

/**
 * Connects to the database a DATABASE_URL names. Never touches the schema: call `migrateDatabase` for that.
 * For SQLite the parent folder is created, WAL is on and writers wait for each other instead of failing (every
 * write transaction begins IMMEDIATE, so several processes can share the file).
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
    beginImmediate((conn as AbstractSqlConnection).getKnex().client as unknown as SqliteClient);
  }
  return { orm, kind: target.kind };
}

interface SqliteTransaction {
  outerTx: unknown;
  readOnly?: boolean;
  begin(conn: unknown): Promise<unknown>;
  query(conn: unknown, sql: string): Promise<unknown>;
}
interface SqliteClient {
  transaction(...args: unknown[]): SqliteTransaction;
}

/**
 * Every top-level SQLite transaction not marked read-only starts with `BEGIN IMMEDIATE`: it takes the write lock
 * first, waiting for it under `busy_timeout`. A deferred `BEGIN` reads first and takes the lock at its first write,
 * and when another process (another worker, the CLI) wrote in between, SQLite cannot wait: it fails the upgrade at
 * once (SQLITE_BUSY, a 503). Reads outside transactions, and transactions begun with `readOnly`, stay deferred;
 * nested transactions are savepoints and begin nothing.
 */
function beginImmediate(client: SqliteClient): void {
  const transaction = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const trx = transaction(...args);
    if (!trx.outerTx && !trx.readOnly) trx.begin = (conn) => trx.query(conn, 'BEGIN IMMEDIATE;');
    return trx;
  };
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
