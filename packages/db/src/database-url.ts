/**
 * DATABASE_URL as the configuration reads it, without the ORM: a cluster primary validates its configuration
 * without loading MikroORM (`@roster/db/database-url`).
 */

export type DatabaseKind = 'sqlite' | 'postgresql';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** For sqlite: a file path or ':memory:'. For postgresql: a postgresql:// URL. */
  location: string;
}

/**
 * Reads a DATABASE_URL: `sqlite:<path>`, `sqlite::memory:`, `sqlite:///abs/path`, `postgresql://…`,
 * `postgres://…` and the original spec's `postgresql+asyncpg://…`. Throws on anything else.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  const pg = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i.exec(trimmed);
  if (pg) {
    return { kind: 'postgresql', location: `postgresql://${trimmed.slice(pg[0].length)}` };
  }
  const sqlite = /^sqlite(?:\+[a-z0-9]+)?:(.*)$/i.exec(trimmed);
  if (sqlite) {
    let path = sqlite[1] ?? '';
    if (path.startsWith('///')) path = path.slice(2);
    else if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new Error('DATABASE_URL: sqlite needs a file path, e.g. sqlite:./data/roster.db');
    return { kind: 'sqlite', location: path };
  }
  throw new Error('DATABASE_URL must start with sqlite: or postgresql://');
}

/** Defaults of the PostgreSQL connection bounds (OrmConfigOptions). */
export const POSTGRES_DEFAULTS = { acquireTimeoutMs: 5_000, idleInTransactionTimeoutMs: 5_000 } as const;
