import { existsSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresAdminUrl,
  postgresReachable,
  testDatabaseKind,
  type TestDatabase,
} from './index.js';

const created: TestDatabase[] = [];
// The PostgreSQL cases need the server; `npm test` reports plainly when it is missing (and CI requires it).
const pgUp = await postgresReachable();
afterEach(async () => {
  for (const db of created.splice(0)) await db.drop();
});

describe('testDatabaseKind', () => {
  it('defaults to sqlite and accepts postgresql', () => {
    expect(testDatabaseKind({})).toBe('sqlite');
    expect(testDatabaseKind({ TEST_DB: 'postgresql' })).toBe('postgresql');
  });

  it('refuses anything else', () => {
    expect(() => testDatabaseKind({ TEST_DB: 'mysql' })).toThrow(
      'TEST_DB must be sqlite or postgresql, not mysql',
    );
  });
});

describe('postgresAdminUrl', () => {
  it('defaults to the local server and honours TEST_PG_URL', () => {
    expect(postgresAdminUrl({})).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
    expect(postgresAdminUrl({ TEST_PG_URL: 'postgresql://x@h/db' })).toBe('postgresql://x@h/db');
  });
});

describe('createTestDatabase', () => {
  it('gives each SQLite caller its own file and removes it with its WAL files', async () => {
    const [a, b] = [await createTestDatabase('sqlite'), await createTestDatabase('sqlite')];
    expect(a.kind).toBe('sqlite');
    expect(a.url).not.toBe(b.url);
    const file = a.url.slice('sqlite:'.length);
    for (const ext of ['', '-wal', '-shm']) writeFileSync(`${file}${ext}`, '');
    await a.drop();
    await b.drop();
    for (const ext of ['', '-wal', '-shm']) expect(existsSync(`${file}${ext}`)).toBe(false);
  });

  it.runIf(pgUp || process.env.CI === 'true')(
    'creates a PostgreSQL database that exists until dropped',
    async () => {
      const db = await createTestDatabase('postgresql');
      created.push(db);
      expect(db.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:5432\/roster_test_\d+_[0-9a-f]{8}$/);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ db: string }>('select current_database() as db');
      await client.end();
      expect(db.url.endsWith(`/${rows[0]!.db}`)).toBe(true);
      await db.drop();
      created.pop();
      await expect(
        createTestDatabase('postgresql').then((again) => (created.push(again), again.url)),
      ).resolves.not.toBe(db.url);
    },
  );

  it('uses TEST_DB when no kind is given', async () => {
    const db = await createTestDatabase();
    created.push(db);
    expect(db.kind).toBe(testDatabaseKind());
  });
});

describe('postgresReachable', () => {
  it('is false for a server that does not answer', async () => {
    const saved = process.env.TEST_PG_URL;
    process.env.TEST_PG_URL = 'postgresql://postgres@127.0.0.1:1/postgres';
    try {
      expect(await postgresReachable()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.TEST_PG_URL;
      else process.env.TEST_PG_URL = saved;
    }
  });
});
