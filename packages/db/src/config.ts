import { type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { entities } from './entities/index.js';
import { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';

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

export interface OrmConfigOptions {
  /** Logs every SQL statement (through `logger`). */
  debug?: boolean;
  /** Where MikroORM's own messages (migrator, debug SQL) go; silent by default. */
  logger?: (message: string) => void;
  poolMax?: number;
  /** PostgreSQL: how long a statement waits for a pooled connection before failing (never a hang). */
  acquireTimeoutMs?: number;
  /**
   * PostgreSQL: `idle_in_transaction_session_timeout` of every connection: a transaction left open and idle this
   * long is ended by the server (its locks released) instead of holding rows and a pool slot forever.
   */
  idleInTransactionTimeoutMs?: number;
  /** PostgreSQL: the driver's warnings (a pooled connection lost, say); `logger` when unset, never the console. */
  onWarning?: (message: string) => void;
}

/** Defaults of the PostgreSQL connection bounds (OrmConfigOptions). */
export const POSTGRES_DEFAULTS = { acquireTimeoutMs: 5_000, idleInTransactionTimeoutMs: 5_000 } as const;
/** How long opening a new PostgreSQL connection may take (an unreachable host fails instead of hanging). */
const CONNECT_TIMEOUT_MS = 5_000;

/** knex's own messages (it writes them to the console by default). */
function driverLog(opts: OrmConfigOptions) {
  const quiet = opts.logger ?? (() => undefined);
  const warn = opts.onWarning ?? quiet;
  return { warn, error: warn, deprecate: quiet, debug: quiet };
}

export function createOrmConfig(target: DatabaseTarget, opts: OrmConfigOptions = {}): Options {
  const common = {
    entities,
    extensions: [Migrator],
    debug: opts.debug ?? false,
    logger: opts.logger ?? (() => undefined),
    allowGlobalContext: false,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: true },
  } satisfies Options;
  if (target.kind === 'postgresql') {
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: target.location,
      forceUtcTimezone: true,
      pool: { min: 0, max: opts.poolMax ?? 10 },
      driverOptions: {
        log: driverLog(opts),
        acquireConnectionTimeout: opts.acquireTimeoutMs ?? POSTGRES_DEFAULTS.acquireTimeoutMs,
        connection: {
          application_name: 'roster',
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          idle_in_transaction_session_timeout:
            opts.idleInTransactionTimeoutMs ?? POSTGRES_DEFAULTS.idleInTransactionTimeoutMs,
        },
      },
      migrations: {
        migrationsList: postgresqlMigrations,
        transactional: true,
        allOrNothing: true,
        snapshot: false,
      },
    };
  }
  return {
    ...common,
    driver: SqliteDriver,
    dbName: target.location,
    migrations: {
      migrationsList: sqliteMigrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  };
}
