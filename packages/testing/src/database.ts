import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type TestDatabaseKind = 'sqlite' | 'postgresql';

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** A DATABASE_URL for this database. */
  url: string;
  /** Removes the database (drops it on PostgreSQL, deletes the files on SQLite). */
  drop(): Promise<void>;
}

/** Which database this test run targets: `TEST_DB=sqlite` (default) or `TEST_DB=postgresql`. */
export function testDatabaseKind(env: NodeJS.ProcessEnv = process.env): TestDatabaseKind {
  const kind = env.TEST_DB ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgresql')
    throw new Error(`TEST_DB must be sqlite or postgresql, not ${kind}`);
  return kind;
}

/** The server that per-file PostgreSQL databases are created on. */
export function postgresAdminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database of its own for one test file, so files can run in parallel. */
export async function createTestDatabase(kind: TestDatabaseKind = testDatabaseKind()): Promise<TestDatabase> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  if (kind === 'postgresql') {
    const name = `roster_test_${suffix}`;
    await adminQuery(`create database "${name}"`);
    return {
      kind,
      url: withDatabase(postgresAdminUrl(), name),
      drop: () => adminQuery(`drop database if exists "${name}" with (force)`),
    };
  }
  const file = join(tmpdir(), `roster-test-${suffix}.db`);
  return {
    kind,
    url: `sqlite:${file}`,
    drop: async () => {
      for (const ext of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${ext}`, { force: true });
    },
  };
}

/** True when the PostgreSQL test server answers. */
export async function postgresReachable(): Promise<boolean> {
  try {
    await adminQuery('select 1');
    return true;
  } catch {
    return false;
  }
}
