import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AbstractSqlConnection } from '@mikro-orm/sqlite';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from './entities/index.js';
import { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';
import {
  closeDatabase,
  migrateDatabase,
  Migrator,
  openDatabase,
  pendingMigrations,
  type Database,
} from './orm.js';

describe('openDatabase / migrateDatabase on the test database', () => {
  let testDb: TestDatabase;
  let db: Database;
  /** Every migration of this leg's dialect, oldest first. */
  let all: string[];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url);
    all = (db.kind === 'postgresql' ? postgresqlMigrations : sqliteMigrations).map((m) => m.name);
  });
  afterAll(async () => {
    await closeDatabase(db);
    await testDb.drop();
  });

  it('opens the kind of database the URL names', async () => {
    expect(db.kind).toBe(testDb.kind);
    await expect(db.orm.isConnected()).resolves.toBe(true);
  });

  it('lists every migration, users first, as pending on an empty database', async () => {
    expect(await pendingMigrations(db)).toEqual(all);
    expect(all[0]).toBe('Migration20261125000000Users');
  });

  it('applies every migration, then nothing is pending and the users table is usable', async () => {
    expect(await migrateDatabase(db)).toEqual(all);
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrateDatabase(db)).toEqual([]);
    const em = db.orm.em.fork();
    expect(await em.count(User)).toBe(0);
  });

  it('reverts every migration, newest first, down to an empty schema, and reapplies them', async () => {
    const reverted = await db.orm.getMigrator().down({ to: 0 });
    expect(reverted.map((m) => m.name)).toEqual([...all].reverse());
    expect(await pendingMigrations(db)).toEqual(all);
    await expect(db.orm.em.fork().count(User)).rejects.toThrow(/users/);
    expect(await migrateDatabase(db)).toEqual(all);
    expect(await db.orm.em.fork().count(User)).toBe(0);
  });

  it('uses the migrations extension', () => {
    expect(db.orm.getMigrator()).toBeInstanceOf(Migrator);
  });
});

describe('openDatabase on SQLite specifics', () => {
  it('creates the parent folder of a sqlite file and turns WAL on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-orm-'));
    const file = join(dir, 'nested', 'deeper', 'roster.db');
    try {
      const db = await openDatabase(`sqlite:${file}`);
      try {
        expect(db.kind).toBe('sqlite');
        expect(existsSync(join(dir, 'nested', 'deeper'))).toBe(true);
        const conn = db.orm.em.getConnection();
        const [mode] = await conn.execute<{ journal_mode: string }[]>('pragma journal_mode');
        expect(mode?.journal_mode).toBe('wal');
        const [timeout] = await conn.execute<Record<string, number>[]>('pragma busy_timeout');
        expect(Object.values(timeout ?? {})).toEqual([5000]);
        const [fk] = await conn.execute<{ foreign_keys: number }[]>('pragma foreign_keys');
        expect(fk?.foreign_keys).toBe(1);
      } finally {
        await closeDatabase(db);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets several connections (processes) write at once: write transactions begin IMMEDIATE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-orm-'));
    const url = `sqlite:${join(dir, 'shared.db')}`;
    const dbs = [await openDatabase(url), await openDatabase(url)];
    try {
      const knexOf = (db: Database) => (db.orm.em.getConnection() as AbstractSqlConnection).getKnex();
      await knexOf(dbs[0]!).raw('create table t (id integer primary key, n integer)');
      // Each writer reads, yields, then writes: with a deferred BEGIN, a writer whose read snapshot another
      // connection's commit made stale cannot upgrade to the write lock and fails at once (SQLITE_BUSY).
      const write = (db: Database, i: number) =>
        knexOf(db).transaction(async (trx) => {
          const [row] = (await trx.raw('select count(*) as c from t')) as { c: number }[];
          await new Promise((resolve) => setTimeout(resolve, 1));
          await trx.raw('insert into t (n) values (?)', [(row?.c ?? 0) + i]);
        });
      const results = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => write(dbs[i % 2]!, i)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const [count] = (await knexOf(dbs[1]!).raw('select count(*) as c from t')) as { c: number }[];
      expect(count?.c).toBe(32);
      // A read outside a transaction is not held up by another connection's open write transaction.
      const trx = await knexOf(dbs[0]!).transaction();
      await trx.raw('insert into t (n) values (0)');
      const [seen] = (await knexOf(dbs[1]!).raw('select count(*) as c from t')) as { c: number }[];
      expect(seen?.c).toBe(32);
      await trx.commit();
    } finally {
      for (const db of dbs) await closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens an in-memory sqlite database without touching the file system, and migrates it', async () => {
    const db = await openDatabase('sqlite::memory:');
    try {
      expect(existsSync(':memory:')).toBe(false);
      expect(await migrateDatabase(db)).toEqual(sqliteMigrations.map((m) => m.name));
      expect(await pendingMigrations(db)).toEqual([]);
    } finally {
      await closeDatabase(db);
    }
  });

  it('applies overrides on top of the generated config', async () => {
    const messages: string[] = [];
    const db = await openDatabase('sqlite::memory:', {
      debug: true,
      logger: (m) => void messages.push(m),
      overrides: { debug: ['query'] },
    });
    try {
      expect(db.orm.config.get('debug')).toEqual(['query']);
      await db.orm.em.getConnection().execute('select 1 as one');
      expect(messages.some((m) => m.includes('select 1 as one'))).toBe(true);
    } finally {
      await closeDatabase(db);
    }
    expect(await db.orm.isConnected()).toBe(false);
  });

  it('refuses a URL it does not understand before connecting', async () => {
    await expect(openDatabase('mysql://db/roster')).rejects.toThrow('DATABASE_URL must start with');
  });
});

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'PostgreSQL connection bounds (skipped on SQLite: PostgreSQL settings)',
  () => {
    let testDb: TestDatabase;
    beforeAll(async () => {
      testDb = await createTestDatabase();
    });
    afterAll(() => testDb.drop());

    it('names its connections and ends a transaction left idle longer than the timeout', async () => {
      const db = await openDatabase(testDb.url, { idleInTransactionTimeoutMs: 300 });
      try {
        const conn = db.orm.em.getConnection();
        const [row] = await conn.execute<{ idle: string; app: string }[]>(
          "select current_setting('idle_in_transaction_session_timeout') as idle, current_setting('application_name') as app",
        );
        expect(row).toEqual({ idle: '300ms', app: 'roster' });
        const em = db.orm.em.fork();
        await em.begin();
        await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
        await new Promise((resolve) => setTimeout(resolve, 800));
        const late = em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
        await expect(late).rejects.toThrow();
        await em.rollback().catch(() => undefined);
        // The pool replaces the connection the server ended.
        await expect(conn.execute('select 2 as two')).resolves.toEqual([{ two: 2 }]);
      } finally {
        await closeDatabase(db);
      }
    });

    it('fails a statement that waits too long for a pooled connection instead of hanging', async () => {
      const db = await openDatabase(testDb.url, { poolMax: 1, acquireTimeoutMs: 200 });
      try {
        const em = db.orm.em.fork();
        await em.begin();
        await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
        const started = Date.now();
        await expect(db.orm.em.getConnection().execute('select 1')).rejects.toThrow(
          /Timeout acquiring a connection/,
        );
        expect(Date.now() - started).toBeLessThan(2_000);
        await em.commit();
        await expect(db.orm.em.getConnection().execute('select 3 as three')).resolves.toEqual([{ three: 3 }]);
      } finally {
        await closeDatabase(db);
      }
    });
  },
);
