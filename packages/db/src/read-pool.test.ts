import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlEntityManager } from '@mikro-orm/sqlite';
import { testDatabaseKind } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrmConfig, SQLITE_READERS } from './config.js';
import { User } from './entities/index.js';
import { closeDatabase, migrateDatabase, openDatabase, type Database } from './orm.js';

// SQLite reads outside a transaction go to a pool of read-only connections beside the one that writes (WAL lets
// them run side by side); PostgreSQL's pool serves both already.
describe('the read pool of a SQLite file', () => {
  it('is configured for a file, with its own bound, and never for :memory: or PostgreSQL', () => {
    const file = createOrmConfig({ kind: 'sqlite', location: '/tmp/x.db' });
    expect(file.replicas).toHaveLength(1);
    expect(file.replicas?.[0]).toMatchObject({ dbName: '/tmp/x.db', pool: { max: SQLITE_READERS } });
    expect(createOrmConfig({ kind: 'sqlite', location: '/tmp/x.db' }, { sqliteReaders: 0 }).replicas).toBe(
      undefined,
    );
    expect(createOrmConfig({ kind: 'sqlite', location: ':memory:' }).replicas).toBe(undefined);
    expect(createOrmConfig({ kind: 'postgresql', location: 'postgresql://u@127.0.0.1/x' }).replicas).toBe(
      undefined,
    );
  });

  describe.skipIf(testDatabaseKind() !== 'sqlite')('on a file', () => {
    let dir: string;
    let db: Database;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'roster-readers-'));
      db = await openDatabase(`sqlite:${join(dir, 'r.db')}`);
      await migrateDatabase(db);
    });
    afterAll(async () => {
      await closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    });

    const em = () => db.orm.em.fork() as SqlEntityManager;
    const insert = (conn: ReturnType<SqlEntityManager['getConnection']>, name: string) =>
      conn.execute(
        'insert into users (email, username, password_hash, role, is_active, created_at, updated_at, version) ' +
          "values (?, ?, 'x', 'user', 1, 0, 0, 1)",
        [`${name}@r.test`, name],
      );

    it('reads on connections of their own, which see every commit and refuse to write', async () => {
      const read = em().getConnection('read');
      expect(read).not.toBe(em().getConnection('write'));
      await insert(em().getConnection('write'), 'seen');
      const [row] = await read.execute<{ n: number }[]>(
        "select count(*) as n from users where username = 'seen'",
      );
      expect(row?.n).toBe(1);
      await expect(insert(read, 'never')).rejects.toThrow(/readonly|read-only|query_only/i);
    });

    it('runs reads side by side, and a transaction reads its own writes on the writing connection', async () => {
      const reads = await Promise.all(
        Array.from({ length: 8 }, () =>
          em().getConnection('read').execute('select count(*) as n from users'),
        ),
      );
      expect(reads).toHaveLength(8);
      await em().transactional(async (tx) => {
        await tx.execute(
          'insert into users (email, username, password_hash, role, is_active, created_at, updated_at, version) ' +
            "values ('inside@r.test', 'inside', 'x', 'user', 1, 0, 0, 1)",
        );
        // A read of the ORM inside the transaction goes through it (the read pool would not see the row yet).
        expect(await tx.count(User, { username: 'inside' })).toBe(1);
      });
      expect(await em().count(User, { username: 'inside' })).toBe(1);
    });
  });
});
