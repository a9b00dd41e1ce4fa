import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthCache, type Invalidation } from '@roster/api';
import { closeDatabase, openDatabase, type Database } from '@roster/db';
import { createTestDatabase, postgresReachable, testDatabaseKind, type TestDatabase } from '@roster/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import {
  authCacheFor,
  cliInvalidation,
  fileInvalidation,
  postgresInvalidation,
  redisInvalidation,
  sqliteSignalFile,
} from './invalidation.js';
import { Closers } from './shutdown.js';
import { clearRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from '../test/redis.js';
import { capturedLogger } from '../test/logs.js';
import { session, user } from '../test/snapshots.js';

// Cross-instance invalidation of the auth cache, in one process: two caches, as two instances would hold, each on
// its own connection to the same Redis or PostgreSQL.

const { logger, logs } = capturedLogger();
const closers = new Closers();
afterAll(() => closers.closeAll(logger));

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** B caches a session; A changes the user in a request scope; once A's scope is over, B has forgotten it. */
async function crossInstance(busA: Invalidation, busB: Invalidation): Promise<void> {
  const a = new AuthCache({ bus: busA });
  const b = new AuthCache({ bus: busB });
  await until(() => (busA.healthy?.() ?? true) && (busB.healthy?.() ?? true));
  expect(b.set(user(1), session('s1', 1), b.mark())).toBe(true);
  expect(b.set(user(2), session('s2', 2), b.mark())).toBe(true);
  expect(b.get('s1')).toBeDefined();
  const started = Date.now();
  await a.scope(async () => a.changed({ users: [1] }));
  // Publishing resolved once the broker had delivered the message to A; B (here, in the same event loop) reads it
  // from its own socket at about the same moment.
  await until(() => b.get('s1') === undefined, 500);
  expect(b.get('s2')).toBeDefined();
  await a.scope(async () => a.changed({ sessions: ['s2'] }));
  await until(() => b.get('s2') === undefined, 500);
  expect(Date.now() - started).toBeLessThan(1_000);
}

describe('Redis pub/sub', () => {
  const prefix = testRedisPrefix('invalidation');
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    clients.push(redis);
    return redis;
  };
  afterAll(async () => {
    for (const redis of clients) await redis.quit().catch(() => undefined);
    await clearRedisPrefix(prefix);
  });

  it('tells the other instance before the changing request answers', async () => {
    const [x, y] = [client(), client()];
    await until(() => x.status === 'ready' && y.status === 'ready');
    await crossInstance(
      redisInvalidation(x, prefix, closers, logger),
      redisInvalidation(y, prefix, closers, logger),
    );
  });

  it('is unhealthy until subscribed, and the cache is bypassed meanwhile', async () => {
    const bus = redisInvalidation(client(), `${prefix}late:`, closers, logger);
    const cache = new AuthCache({ bus });
    expect(bus.healthy?.()).toBe(false);
    expect(cache.set(user(3), session('s3', 3), cache.mark())).toBe(false);
    await until(() => bus.healthy?.() === true);
    // The first look after the bus came up starts over (messages may have been missed): loads begun before are
    // refused, later ones are kept.
    expect(cache.get('s3')).toBeUndefined();
    expect(cache.set(user(3), session('s3', 3), cache.mark())).toBe(true);
  });

  it('ignores what is not one of its messages on its channel, and acts on one without an id', async () => {
    const bus = redisInvalidation(client(), `${prefix}odd:`, closers, logger);
    const cache = new AuthCache({ bus });
    await until(() => bus.healthy?.() === true);
    await until(() => cache.set(user(10), session('s10', 10), cache.mark()));
    const raw = client();
    await until(() => raw.status === 'ready');
    for (const junk of ['not json', '{"users":"10","sessions":7}', '{"users":[1.5],"sessions":[10]}'])
      await raw.publish(`${prefix}odd:auth-invalidate`, junk);
    await raw.publish(`${prefix}other-channel`, '{"users":[10]}');
    await new Promise((r) => setTimeout(r, 50));
    expect(cache.get('s10')).toBeDefined();
    await raw.publish(`${prefix}odd:auth-invalidate`, '{"users":[10]}');
    await until(() => cache.get('s10') === undefined);
  });

  it('is what the CLI publishes through when REDIS_URL is set', async () => {
    const listening = redisInvalidation(client(), prefix, closers, logger);
    const cache = new AuthCache({ bus: listening });
    await until(() => listening.healthy?.() === true);
    cache.set(user(4), session('s4', 4), cache.mark());
    const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
    const db = await openDatabase('sqlite::memory:');
    const cli = cliInvalidation(config, db);
    await cli.publish({ users: [4] });
    await cli.close();
    await closeDatabase(db);
    await until(() => cache.get('s4') === undefined);
  });
});

// On the PostgreSQL leg, and on the SQLite one too whenever a PostgreSQL is reachable (the bus is not the database
// under test).
const WITH_PG = testDatabaseKind() === 'postgresql' || (await postgresReachable());

describe.runIf(WITH_PG)('PostgreSQL LISTEN/NOTIFY', () => {
  let testDb: TestDatabase;
  const dbs: Database[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase('postgresql');
    for (let i = 0; i < 3; i++) dbs.push(await openDatabase(testDb.url));
  });
  afterAll(async () => {
    await closers.closeAll(logger);
    for (const db of dbs) await closeDatabase(db);
    await testDb.drop();
  });

  it('tells the other instance before the changing request answers', async () => {
    await crossInstance(
      postgresInvalidation(dbs[0]!, closers, logger),
      postgresInvalidation(dbs[1]!, closers, logger),
    );
  });

  it('bypasses the cache while its listening connection is down, and comes back by itself', async () => {
    const bus = postgresInvalidation(dbs[1]!, closers, logger);
    const cache = new AuthCache({ bus });
    await until(() => bus.healthy?.() === true);
    await dbs[0]!.orm.em
      .getConnection()
      .execute(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name like 'roster-listen:%'",
      );
    await until(() => bus.healthy?.() === false);
    expect(cache.set(user(9), session('s9', 9), cache.mark())).toBe(false);
    expect(logs.some((l) => String(l.msg).includes('LISTEN connection lost'))).toBe(true);
    await until(() => bus.healthy?.() === true, 5_000);
    await until(() => cache.set(user(9), session('s9', 9), cache.mark()));
  });

  it('is what the CLI publishes through without Redis, and what a server without Redis uses', async () => {
    const config = loadConfig({ DATABASE_URL: testDb.url });
    const cache = authCacheFor(config, dbs[2]!, null, closers, logger);
    await until(() => cache.set(user(5), session('s5', 5), cache.mark()));
    const cli = cliInvalidation(config, dbs[0]!);
    await cli.publish({ sessions: ['s5'] });
    await cli.close();
    await until(() => cache.get('s5') === undefined);
  });
});

/** The signal file is looked at no more than once a millisecond. */
const aMillisecond = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('SQLite: the signal file the CLI rewrites', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-signal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names a file next to the database, and none for an in-memory one', () => {
    expect(sqliteSignalFile(`sqlite:${dir}/roster.db`)).toBe(`${dir}/roster.db.auth-changed`);
    expect(sqliteSignalFile('sqlite::memory:')).toBeNull();
    expect(sqliteSignalFile('postgresql://x@y/z')).toBeNull();
  });

  it('makes the server start over at its next lookup after the CLI wrote it', async () => {
    const url = `sqlite:${dir}/roster.db`;
    const config = loadConfig({ DATABASE_URL: url });
    const db = await openDatabase('sqlite::memory:');
    const server = authCacheFor(config, { ...db, kind: 'sqlite' }, null, closers, logger);
    server.set(user(6), session('s6', 6), server.mark());
    // The server's own changes do not touch the file (it forgets them in memory).
    await server.scope(async () => server.changed({ users: [99] }));
    expect(server.get('s6')).toBeDefined();
    const cli = cliInvalidation(config, db);
    await cli.publish({ users: [6] });
    await cli.close();
    await aMillisecond();
    expect(server.get('s6')).toBeUndefined();
    await closeDatabase(db);
  });

  it('sees every rewrite, however quick, from the next millisecond on', async () => {
    const file = join(dir, 'quick.auth-changed');
    const bus = fileInvalidation(file);
    const cache = new AuthCache({ bus });
    for (let i = 0; i < 3; i++) {
      cache.set(user(7), session('s7', 7), cache.mark());
      writeFileSync(file, `${i}\n`);
      await aMillisecond();
      expect(cache.get('s7')).toBeUndefined();
    }
  });

  it('leaves an in-memory database to the process alone', async () => {
    const db = await openDatabase('sqlite::memory:');
    const cache = authCacheFor(loadConfig({ DATABASE_URL: 'sqlite::memory:' }), db, null, closers, logger);
    expect(cache.set(user(8), session('s8', 8), cache.mark())).toBe(true);
    const cli = cliInvalidation(loadConfig({ DATABASE_URL: 'sqlite::memory:' }), db);
    await cli.publish({ users: [8] });
    await cli.close();
    expect(cache.get('s8')).toBeDefined();
    await closeDatabase(db);
  });
});
