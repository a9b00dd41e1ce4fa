import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthCache, toErrorResponse, type Invalidation } from '@roster/api';
import { closeDatabase, openDatabase, type Database } from '@roster/db';
import { createTestDatabase, postgresReachable, testDatabaseKind, type TestDatabase } from '@roster/testing';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.js';
import type { BusTiming } from '../infra/echoes.js';
import {
  authCacheFor,
  fileInvalidation,
  LISTENER_NAME,
  postgresInvalidation,
  redisInvalidation,
} from '../infra/invalidation.js';
import { closeRedis, connectRedis } from '../infra/redis.js';
import { Closers } from '../infra/shutdown.js';
import { PrivateRedis, RedisRelay } from '../test/redis.js';
import { capturedLogger } from '../test/logs.js';
import { session, user } from '../test/snapshots.js';

// The invalidation bus fails closed: cut under it (CLIENT KILL, pg_terminate_backend, a silent network, Redis
// stopped), an instance bypasses its auth cache until it hears its own heartbeat again, and a change it cannot get
// confirmed fails its request instead of answering as if every instance knew.

const { logger, logs } = capturedLogger();
/** Faster than production (500 ms / 2 s / 3 s) so that the file runs in seconds; same logic. */
const TIMING: BusTiming = { heartbeatMs: 100, staleMs: 500, confirmMs: 1_500, attemptMs: 100 };
const healthy = (bus: Invalidation) => bus.healthy?.() ?? true;
/** B holds a session in its cache, as an instance that served it a moment ago. */
async function cached(cache: AuthCache, sid: string, userId: number) {
  await expect
    .poll(() => cache.set(user(userId), session(sid, userId), cache.mark()), { timeout: 5_000 })
    .toBe(true);
  expect(cache.get(sid)).toBeDefined();
}

let closers: Closers;
afterEach(() => closers.closeAll(logger));

describe('Redis pub/sub bus (a private redis-server)', () => {
  let server: PrivateRedis;
  let relay: RedisRelay;
  const clients: Redis[] = [];
  const connect = async (url = server.url) => {
    const redis = (await connectRedis(loadConfig({ REDIS_URL: url }), logger))!;
    clients.push(redis);
    return redis;
  };
  beforeAll(async () => {
    server = await PrivateRedis.start();
    relay = await RedisRelay.start(server.url);
  });
  afterAll(async () => {
    for (const redis of clients) await closeRedis(redis);
    await relay.close();
    await server.stop();
  });
  afterEach(() => {
    closers = new Closers();
  });
  closers = new Closers();

  it('CLIENT KILL of the subscriber: bypassed at once, back by itself, and what was sent meanwhile is confirmed', async () => {
    const busA = redisInvalidation(await connect(), 'a:', closers, logger, TIMING);
    const busB = redisInvalidation(await connect(), 'a:', closers, logger, TIMING);
    const a = new AuthCache({ bus: busA });
    const b = new AuthCache({ bus: busB });
    await cached(b, 's1', 1);
    const admin = server.client();
    const list = await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub');
    const subscribers = String(list)
      .split('\n')
      .filter((line) => line.includes(`name=${LISTENER_NAME}:`));
    expect(subscribers).toHaveLength(2);
    await admin.client('KILL', 'TYPE', 'pubsub');
    await expect.poll(() => healthy(busB), { timeout: 1_000 }).toBe(false);
    expect(b.get('s1')).toBeUndefined();
    // A's own subscriber is down too: its publish is sent again until it hears it back.
    await a.scope(async () => a.changed({ users: [1] }));
    await expect.poll(() => healthy(busB), { timeout: 5_000 }).toBe(true);
    expect(b.get('s1')).toBeUndefined();
    await admin.quit();
  });

  it('a silent cut (the network drops everything, nothing closes): bypassed within staleMs, then healed', async () => {
    const bus = redisInvalidation(await connect(relay.url), 'b:', closers, logger, TIMING);
    const cache = new AuthCache({ bus });
    await cached(cache, 's2', 2);
    relay.freeze();
    try {
      const frozenAt = Date.now();
      await expect.poll(() => healthy(bus), { timeout: 3_000, interval: 20 }).toBe(false);
      expect(Date.now() - frozenAt).toBeLessThan(TIMING.staleMs + 500);
      expect(cache.get('s2')).toBeUndefined();
      expect(cache.set(user(2), session('s2', 2), cache.mark())).toBe(false);
      await expect
        .poll(() => logs.some((l) => String(l.msg).includes('invalidation bus silent')), { timeout: 1_000 })
        .toBe(true);
    } finally {
      relay.thaw();
    }
    await expect.poll(() => healthy(bus), { timeout: 10_000 }).toBe(true);
    await cached(cache, 's2', 2);
  });

  it('Redis stopped: a change cannot be confirmed and its request fails 503; started again: all is well', async () => {
    const bus = redisInvalidation(await connect(), 'c:', closers, logger, TIMING);
    const cache = new AuthCache({ bus });
    await cached(cache, 's3', 3);
    await server.stop();
    try {
      await expect.poll(() => healthy(bus), { timeout: 1_000 }).toBe(false);
      const started = Date.now();
      const failed = await cache
        .scope(async () => cache.changed({ sessions: ['s3'] }))
        .catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(TIMING.confirmMs + 1_000);
      expect(toErrorResponse(failed)).toMatchObject({
        status: 503,
        body: { code: 'INVALIDATION_UNCONFIRMED' },
      });
      expect(cache.get('s3')).toBeUndefined();
    } finally {
      await server.start();
    }
    await expect.poll(() => healthy(bus), { timeout: 10_000 }).toBe(true);
    await cache.scope(async () => cache.changed({ sessions: ['s3'] }));
  });
});

const WITH_PG = testDatabaseKind() === 'postgresql' || (await postgresReachable());

describe.runIf(WITH_PG)('PostgreSQL LISTEN bus', () => {
  let testDb: TestDatabase;
  const dbs: Database[] = [];
  beforeAll(async () => {
    testDb = await createTestDatabase('postgresql');
    for (let i = 0; i < 2; i++) dbs.push(await openDatabase(testDb.url));
  });
  afterAll(async () => {
    for (const db of dbs) await closeDatabase(db);
    await testDb.drop();
  });
  afterEach(() => {
    closers = new Closers();
  });
  closers = new Closers();

  it('pg_terminate_backend of the listener: bypassed, replaced, and a change sent meanwhile is confirmed', async () => {
    const busA = postgresInvalidation(dbs[0]!, closers, logger, TIMING);
    const busB = postgresInvalidation(dbs[1]!, closers, logger, TIMING);
    const a = new AuthCache({ bus: busA });
    const b = new AuthCache({ bus: busB });
    await cached(b, 's4', 4);
    await expect.poll(() => healthy(busA), { timeout: 5_000 }).toBe(true);
    const [killed] = await dbs[0]!.orm.em.getConnection().execute<{ n: number }[]>(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = current_database() and application_name = '${LISTENER_NAME}:${process.pid}'`,
    );
    expect(killed?.n).toBe(2);
    await expect.poll(() => healthy(busB), { timeout: 1_000 }).toBe(false);
    expect(b.get('s4')).toBeUndefined();
    // A's listener reconnects within a second: its publish is repeated until heard, within confirmMs.
    await a.scope(async () => a.changed({ users: [4] }));
    await expect.poll(() => healthy(busB), { timeout: 5_000 }).toBe(true);
    expect(b.get('s4')).toBeUndefined();
  });
});

describe('SQLite signal file bus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-heartbeat-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hears its heartbeat next to the signal file, and bypasses the cache when it cannot', async () => {
    const file = join(dir, 'roster.db.auth-changed');
    const bus = fileInvalidation(file, 50);
    const cache = new AuthCache({ bus });
    expect(cache.set(user(5), session('s5', 5), cache.mark())).toBe(true);
    // The heartbeat cannot be written (its path taken by a folder).
    rmSync(`${file}.heartbeat`, { force: true });
    mkdirSync(`${file}.heartbeat`);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cache.get('s5')).toBeUndefined();
    expect(healthy(bus)).toBe(false);
    rmSync(`${file}.heartbeat`, { recursive: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Back: the first lookup starts over (what the CLI wrote meanwhile may have been missed), then loads are kept.
    expect(cache.get('s5')).toBeUndefined();
    expect(healthy(bus)).toBe(true);
    expect(cache.set(user(5), session('s5', 5), cache.mark())).toBe(true);
  });

  it('counts a signal file that cannot be looked at (not merely missing) as unhealthy', () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const bus = fileInvalidation(join(blocker, 'roster.db.auth-changed'));
    expect(healthy(bus)).toBe(false);
    expect(new AuthCache({ bus }).set(user(6), session('s6', 6), 0)).toBe(false);
  });

  it('reports the bus on /metrics as roster_auth_cache_bus_healthy', async () => {
    closers = new Closers();
    const registry = new Registry();
    const url = `sqlite:${join(dir, 'metrics.db')}`;
    const db = await openDatabase('sqlite::memory:');
    authCacheFor(loadConfig({ DATABASE_URL: url }), db, null, closers, logger, registry);
    expect(await registry.getSingleMetricAsString('roster_auth_cache_bus_healthy')).toMatch(
      /roster_auth_cache_bus_healthy 1$/,
    );
    const memory = new Registry();
    authCacheFor(loadConfig({ DATABASE_URL: 'sqlite::memory:' }), db, null, closers, logger, memory);
    expect(await memory.getSingleMetricAsString('roster_auth_cache_bus_healthy')).toMatch(/ 1$/);
    rmSync(join(dir, 'metrics.db.auth-changed.heartbeat'), { force: true });
    mkdirSync(join(dir, 'metrics.db.auth-changed.heartbeat'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await registry.getSingleMetricAsString('roster_auth_cache_bus_healthy')).toMatch(/ 0$/);
    await closeDatabase(db);
  });
});
