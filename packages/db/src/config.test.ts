import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { describe, expect, it } from 'vitest';
import { createOrmConfig, parseDatabaseUrl, POSTGRES_DEFAULTS } from './config.js';
import { entities } from './entities/index.js';
import { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';

describe('parseDatabaseUrl', () => {
  it('reads a relative sqlite path', () => {
    expect(parseDatabaseUrl('sqlite:./data/roster.db')).toEqual({
      kind: 'sqlite',
      location: './data/roster.db',
    });
  });

  it('reads an in-memory sqlite database', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', location: ':memory:' });
  });

  it('reads sqlite:///abs as an absolute path', () => {
    expect(parseDatabaseUrl('sqlite:///var/lib/roster.db')).toEqual({
      kind: 'sqlite',
      location: '/var/lib/roster.db',
    });
  });

  it('reads sqlite://rel as a relative path', () => {
    expect(parseDatabaseUrl('sqlite://data/roster.db')).toEqual({
      kind: 'sqlite',
      location: 'data/roster.db',
    });
  });

  it('accepts a driver suffix and any case in the sqlite scheme, and trims whitespace', () => {
    expect(parseDatabaseUrl('  SQLITE+aiosqlite:///tmp/x.db \n')).toEqual({
      kind: 'sqlite',
      location: '/tmp/x.db',
    });
  });

  it('keeps postgresql:// URLs as they are', () => {
    expect(parseDatabaseUrl('postgresql://u:p@db:5432/roster')).toEqual({
      kind: 'postgresql',
      location: 'postgresql://u:p@db:5432/roster',
    });
  });

  it('rewrites postgres:// to postgresql://', () => {
    expect(parseDatabaseUrl('postgres://u@localhost/roster')).toEqual({
      kind: 'postgresql',
      location: 'postgresql://u@localhost/roster',
    });
  });

  it('rewrites the spec-era postgresql+asyncpg:// to postgresql://', () => {
    expect(parseDatabaseUrl('postgresql+asyncpg://u:p@db/roster?sslmode=disable')).toEqual({
      kind: 'postgresql',
      location: 'postgresql://u:p@db/roster?sslmode=disable',
    });
  });

  it.each(['mysql://u@db/roster', 'roster.db', '', 'http://example.com', 'postgresql:/missing-slash'])(
    'rejects %j',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow('DATABASE_URL must start with sqlite: or postgresql://');
    },
  );

  it.each(['sqlite:', 'sqlite://', 'sqlite:  '])('rejects an empty sqlite path in %j', (url) => {
    expect(() => parseDatabaseUrl(url)).toThrow('sqlite needs a file path');
  });
});

describe('createOrmConfig', () => {
  it('builds a sqlite config with the sqlite migrations and silent defaults', () => {
    const config = createOrmConfig({ kind: 'sqlite', location: '/tmp/x.db' });
    // MikroORM's SQLite driver, with read replicas of their own (sqlite-driver.ts).
    expect(config.driver?.prototype).toBeInstanceOf(SqliteDriver);
    expect(config.dbName).toBe('/tmp/x.db');
    expect(config.clientUrl).toBeUndefined();
    expect(config.entities).toBe(entities);
    expect(config.debug).toBe(false);
    expect(config.allowGlobalContext).toBe(false);
    expect(config.migrations?.migrationsList).toBe(sqliteMigrations);
    expect(config.migrations?.transactional).toBe(true);
    expect(config.migrations?.allOrNothing).toBe(true);
    expect(typeof config.logger).toBe('function');
    expect(config.logger?.('ignored')).toBeUndefined();
  });

  it('builds a postgresql config with the postgresql migrations and a default pool of 10', () => {
    const config = createOrmConfig({ kind: 'postgresql', location: 'postgresql://u@db/roster' });
    expect(config.driver).toBe(PostgreSqlDriver);
    expect(config.clientUrl).toBe('postgresql://u@db/roster');
    expect(config.forceUtcTimezone).toBe(true);
    expect(config.dbName).toBeUndefined();
    expect(config.pool).toEqual({ min: 0, max: 10 });
    expect(config.migrations?.migrationsList).toBe(postgresqlMigrations);
  });

  it('passes debug, logger and poolMax through', () => {
    const messages: string[] = [];
    const logger = (m: string) => void messages.push(m);
    const config = createOrmConfig(
      { kind: 'postgresql', location: 'postgresql://db/x' },
      { debug: true, logger, poolMax: 3 },
    );
    expect(config.debug).toBe(true);
    expect(config.logger).toBe(logger);
    expect(config.pool).toEqual({ min: 0, max: 3 });
  });

  it('bounds every PostgreSQL connection: acquire timeout, connect timeout, idle-in-transaction timeout', () => {
    const defaults = createOrmConfig({ kind: 'postgresql', location: 'postgresql://db/x' });
    expect(defaults.driverOptions).toEqual({
      log: expect.any(Object),
      acquireConnectionTimeout: POSTGRES_DEFAULTS.acquireTimeoutMs,
      connection: {
        application_name: 'roster',
        connectionTimeoutMillis: 5_000,
        idle_in_transaction_session_timeout: POSTGRES_DEFAULTS.idleInTransactionTimeoutMs,
      },
    });
    const given = createOrmConfig(
      { kind: 'postgresql', location: 'postgresql://db/x' },
      { acquireTimeoutMs: 250, idleInTransactionTimeoutMs: 1_500 },
    );
    expect(given.driverOptions).toMatchObject({
      acquireConnectionTimeout: 250,
      connection: { idle_in_transaction_session_timeout: 1_500 },
    });
    expect(createOrmConfig({ kind: 'sqlite', location: ':memory:' }).driverOptions).toBeUndefined();
  });

  it("sends the driver's warnings to onWarning, and the rest to the logger (never the console)", () => {
    const warnings: string[] = [];
    const messages: string[] = [];
    type Log = Record<'warn' | 'error' | 'deprecate' | 'debug', (m: string) => void>;
    const logOf = (opts: Parameters<typeof createOrmConfig>[1]) =>
      (
        createOrmConfig({ kind: 'postgresql', location: 'postgresql://db/x' }, opts).driverOptions as {
          log: Log;
        }
      ).log;
    const log = logOf({ onWarning: (m) => void warnings.push(m), logger: (m) => void messages.push(m) });
    log.warn('Connection Error: lost');
    log.error('failed');
    log.deprecate('old');
    log.debug('noise');
    expect(warnings).toEqual(['Connection Error: lost', 'failed']);
    expect(messages).toEqual(['old', 'noise']);
    const silent = logOf({});
    expect(silent.warn('nobody listens')).toBeUndefined();
    const viaLogger = logOf({ logger: (m) => void messages.push(m) });
    viaLogger.warn('to the logger');
    expect(messages.at(-1)).toBe('to the logger');
  });
});

describe('migration lists', () => {
  it('hold the same migrations, in timestamp order, for both dialects, starting with the users table', () => {
    const names = sqliteMigrations.map((m) => m.name);
    // The one exception: SQLite's search index (PostgreSQL's trigram indexes came with the admin migration).
    const sqliteOnly = new Set(['Migration20261126000000SearchIndex']);
    expect(postgresqlMigrations.map((m) => m.name)).toEqual(names.filter((n) => !sqliteOnly.has(n)));
    expect(names[0]).toBe('Migration20261125000000Users');
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });
});
