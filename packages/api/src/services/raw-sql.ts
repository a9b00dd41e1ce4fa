import type { Dictionary, EntityManager } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { dialectOf, type DatabaseKind } from '@roster/db';

/**
 * Statements on the driver's own connection, taken from (and given back to) the ORM's pool: no unit of work, no
 * query builder, no knex runner. For the few hot paths whose bookkeeping is a handful of known statements (a
 * login), where the ORM's machinery cost several times the statements themselves. Everything else uses the ORM.
 *
 * Statements are written with `?` placeholders; values are what the column holds (a Date is stored as epoch
 * milliseconds on SQLite, as the ORM does, and as a timestamp on PostgreSQL). Each statement is reported to the
 * ORM's logger, so SQL logging and the query metrics see it as they see the ORM's own.
 */
export interface RawSql {
  readonly kind: DatabaseKind;
  all<T = Dictionary>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a write; answers how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

interface SqliteConnection {
  all(sql: string, params: unknown[], done: (error: Error | null, rows: Dictionary[]) => void): void;
  run(sql: string, params: unknown[], done: (this: { changes: number }, error: Error | null) => void): void;
}
interface PgConnection {
  query(query: { text: string; values: unknown[] }): Promise<{ rows: Dictionary[]; rowCount: number | null }>;
}
interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/** `?` → `$1, $2…` for PostgreSQL, once per statement text. */
const numbered = new Map<string, string>();
function pgText(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (numbered.size < 1000) numbered.set(sql, text);
  }
  return text;
}

function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function rawSqlOn(em: EntityManager, connection: unknown): RawSql {
  const kind = dialectOf(em);
  const logger = em.config.getLogger();
  const logged = async <T>(sql: string, params: readonly unknown[], work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      const result = await work();
      logger.logQuery({ query: sql, params: [...params], took: performance.now() - start, level: 'info' });
      return result;
    } catch (error) {
      logger.logQuery({ query: sql, params: [...params], took: performance.now() - start, level: 'error' });
      throw error;
    }
  };
  if (kind === 'postgresql') {
    const pg = connection as PgConnection;
    const query = (sql: string, params: readonly unknown[]) =>
      logged(sql, params, () => pg.query({ text: pgText(sql), values: [...params] }));
    return {
      kind,
      all: async <T>(sql: string, params: readonly unknown[] = []) => (await query(sql, params)).rows as T[],
      run: async (sql, params = []) => (await query(sql, params)).rowCount ?? 0,
    };
  }
  const db = connection as SqliteConnection;
  return {
    kind,
    all: <T>(sql: string, params: readonly unknown[] = []) =>
      logged(
        sql,
        params,
        () =>
          new Promise<T[]>((resolve, reject) =>
            db.all(sql, params.map(sqliteValue), (error, rows) =>
              error ? reject(error) : resolve(rows as T[]),
            ),
          ),
      ),
    run: (sql, params = []) =>
      logged(
        sql,
        params,
        () =>
          new Promise<number>((resolve, reject) =>
            db.run(sql, params.map(sqliteValue), function (error) {
              if (error) reject(error);
              else resolve(this.changes);
            }),
          ),
      ),
  };
}

function poolOf(em: EntityManager): KnexClient {
  return (em.getConnection() as AbstractSqlConnection).getKnex().client as unknown as KnexClient;
}

/** Runs `work` with one pooled connection, outside any transaction (one statement is atomic on its own). */
export async function withRawSql<T>(em: EntityManager, work: (sql: RawSql) => Promise<T>): Promise<T> {
  const pool = poolOf(em);
  const connection = await pool.acquireConnection();
  try {
    return await work(rawSqlOn(em, connection));
  } finally {
    await pool.releaseConnection(connection);
  }
}

/**
 * Runs `work` in one transaction on one pooled connection: it commits before this resolves, or rolls back when
 * `work` fails (a rollback that fails too, on a connection that died, never hides why the work failed). SQLite
 * takes the write lock at BEGIN (IMMEDIATE), so that a transaction that reads first never fails to upgrade.
 * Never call it inside another transaction of the same request: on SQLite the pool has one connection.
 */
export function rawTransaction<T>(em: EntityManager, work: (sql: RawSql) => Promise<T>): Promise<T> {
  return withRawSql(em, async (sql) => {
    await sql.run(sql.kind === 'sqlite' ? 'begin immediate' : 'begin');
    try {
      const result = await work(sql);
      await sql.run('commit');
      return result;
    } catch (error) {
      await sql.run('rollback').catch(() => undefined);
      throw error;
    }
  });
}
