import argon2 from 'argon2';
import { closeDatabase, migrateDatabase, openDatabase, foldSearch } from '@roster/db';
import pg from 'pg';

export const BENCH_PASSWORD = 'bench-password-123';
export const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Bulk-inserts `count` users straight into the database (not through the API), plus `admin@bench.test` (admin)
 * and `reader@bench.test`, all with BENCH_PASSWORD. created_at spreads over the last year. Each row carries its
 * folded full name, as the application writes it.
 */
export async function seed(databaseUrl: string, count: number, kind: 'sqlite' | 'postgresql'): Promise<void> {
  const db = await openDatabase(databaseUrl);
  await migrateDatabase(db);
  const hash = await argon2.hash(BENCH_PASSWORD, { type: argon2.argon2id, ...ARGON2 });
  const conn = db.orm.em.getConnection();
  const now = Date.now();
  const date = (ms: number) => (kind === 'sqlite' ? ms : new Date(ms));
  const chunk = 500;
  await conn.execute('begin');
  for (let start = 0; start < count; start += chunk) {
    const rows: unknown[] = [];
    const values: string[] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      const created = date(now - Math.floor(((count - i) / count) * 365 * 86_400_000));
      values.push('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      const [email, username, fullName] = [`user${i}@bench.test`, `user${i}`, `Bench User ${i}`];
      rows.push(email, username, fullName, foldSearch(fullName), hash, 'user', true, created, created, 1);
    }
    await conn.execute(
      `insert into users (email, username, full_name, full_name_folded, password_hash, role, is_active, created_at, updated_at, version) values ${values.join(', ')}`,
      rows,
    );
  }
  for (const [email, username, role] of [
    ['admin@bench.test', 'benchadmin', 'admin'],
    ['reader@bench.test', 'benchreader', 'user'],
  ] as const) {
    await conn.execute(
      'insert into users (email, username, full_name, full_name_folded, password_hash, role, is_active, created_at, updated_at, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [email, username, username, foldSearch(username), hash, role, true, date(now), date(now), 1],
    );
  }
  await conn.execute('commit');
  // Let the database settle before anything is measured, as a production database has long since: the bulk load
  // leaves PostgreSQL's visibility map empty (every index-only scan reads the heap too) and its statistics stale,
  // with autovacuum to come and take a core in the middle of a scenario; SQLite's new pages sit in the WAL file.
  if (kind === 'postgresql') {
    await conn.execute('vacuum (analyze)');
    await conn.execute('checkpoint');
  } else {
    await conn.execute('pragma wal_checkpoint(truncate)');
  }
  await closeDatabase(db);
}

/** The PostgreSQL server the bench uses (BENCH_PG_URL, else TEST_PG_URL), as a URL to its maintenance database. */
const pgAdmin =
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Database `name` on BENCH_PG_URL's server, dropped and created empty; with `reuse`, an existing one is kept as it is.
 * `created` says whether it is new (and so needs seeding).
 */
export async function pgDatabase(name: string, reuse = false): Promise<{ url: string; created: boolean }> {
  const client = new pg.Client({ connectionString: pgAdmin });
  await client.connect();
  let created = false;
  try {
    const exists = Boolean(
      (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount,
    );
    if (!exists || !reuse) {
      const quoted = client.escapeIdentifier(name);
      await client.query(`drop database if exists ${quoted} with (force)`);
      await client.query(`create database ${quoted}`);
      created = true;
    }
  } finally {
    await client.end();
  }
  const url = new URL(pgAdmin);
  url.pathname = `/${name}`;
  return { url: url.toString(), created };
}
