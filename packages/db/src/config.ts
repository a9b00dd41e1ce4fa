import { type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { entities } from './entities/index.js';
import { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';
import { POSTGRES_DEFAULTS, type DatabaseTarget } from './database-url.js';
import { PooledSqliteDriver } from './sqlite-driver.js';

export {
  parseDatabaseUrl,
  POSTGRES_DEFAULTS,
  type DatabaseKind,
  type DatabaseTarget,
} from './database-url.js';

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
  /**
   * SQLite (a file): how many read-only connections serve reads outside transactions beside the one connection that
   * writes (SQLITE_READERS below by default; 0: every statement on the one connection).
   */
  sqliteReaders?: number;
}

/** How long opening a new PostgreSQL connection may take (an unreachable host fails instead of hanging). */
const CONNECT_TIMEOUT_MS = 5_000;

/** knex's own messages (it writes them to the console by default). */
function driverLog(opts: OrmConfigOptions) {
  const quiet = opts.logger ?? (() => undefined);
  const warn = opts.onWarning ?? quiet;
  return { warn, error: warn, deprecate: quiet, debug: quiet };
}

/** Read connections of a SQLite file by default: one per core of a small machine. */
export const SQLITE_READERS = 2;

/** The pragmas of a SQLite read connection: it waits for a lock instead of failing, and never writes. */
const READER_PRAGMAS = 'pragma busy_timeout = 5000; pragma query_only = 1;';

interface SqliteHandle {
  exec(sql: string, done: (error: Error | null) => void): void;
}

/**
 * SQLite in WAL mode lets readers run beside the writer and each other, but knex gives SQLite one connection, so
 * every query waited for the one before it. Reads outside a transaction (MikroORM's `preferReadReplicas`, and
 * `getConnection('read')`) go to a pool of read-only connections to the same file instead: each sees every commit
 * made before it starts (WAL), so a read after a write finds it. Writes and everything in a transaction stay on the
 * one connection. Not for `:memory:`, where each connection would be a database of its own.
 */
function sqliteReadPool(location: string, readers: number): Pick<Options, 'replicas'> {
  if (readers <= 0 || location === ':memory:' || location.startsWith('file::memory:')) return {};
  const afterCreate = (conn: SqliteHandle, done: (error: Error | null, conn: SqliteHandle) => void) =>
    conn.exec(READER_PRAGMAS, (error) => done(error, conn));
  return { replicas: [{ name: 'read', dbName: location, pool: { min: 1, max: readers, afterCreate } }] };
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
    driver: PooledSqliteDriver,
    dbName: target.location,
    ...sqliteReadPool(target.location, opts.sqliteReaders ?? SQLITE_READERS),
    migrations: {
      migrationsList: sqliteMigrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  };
}
