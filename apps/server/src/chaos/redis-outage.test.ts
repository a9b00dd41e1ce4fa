import { testDatabaseKind, type SpawnedServer } from '@roster/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, attempt, gauge, loginToken, until } from '../test/chaos.js';
import { startCluster, type Cluster } from '../test/cluster.js';
import { PrivateRedis } from '../test/redis.js';

// Chaos (c): the Redis the servers use (a redis-server of this test's own) is killed, then started again.
// Meanwhile rate limits count in each instance's memory and still refuse; the invalidation bus is down, so every
// instance bypasses its auth cache, and a logout answers 503 INVALIDATION_UNCONFIRMED (saved, not confirmed) yet
// is refused everywhere at once. Once Redis is back, counters live in Redis again and the bus confirms as before.
//
// Two instances on PostgreSQL, one on SQLite (a SQLite file has one server process).

const INSTANCES = testDatabaseKind() === 'postgresql' ? 2 : 1;
const BUS = 'roster_auth_cache_bus_healthy';

describe(`chaos: Redis stopped and started under ${INSTANCES} instance(s)`, { timeout: 180_000 }, () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let instances: SpawnedServer[];
  const keys = async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      return await client.dbsize();
    } finally {
      client.disconnect();
    }
  };
  /** A failed login from one IP for one account: its answer's status. */
  const fail = async (on: SpawnedServer, email: string) =>
    (
      await attempt(on.url, 'POST', '/auth/login', {
        form: { username: email, password: 'wrong password' },
        headers: { 'x-forwarded-for': '198.51.100.77' },
      })
    ).status;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    cluster = await startCluster(
      INSTANCES,
      {
        REDIS_URL: redis.url,
        RATE_LIMIT_ENABLED: 'true',
        TRUST_PROXY: 'true',
        RATE_LIMITS:
          'login.account_ip_failures=3/1h,login.ip=1000/1h,register.ip=1000/1h,register.account=100/1h',
      },
      { redis: false },
    );
    instances = cluster.instances;
    for (const instance of instances)
      await until('the bus is healthy', async () => (await gauge(instance, BUS)) === 1);
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
  });

  it('falls back while Redis is down and recovers when it is back', async () => {
    const a = instances[0]!;
    const b = instances.at(-1)!;
    const victim = await account(a.url, 'redisout');
    const other = await account(a.url, 'redisout2');
    expect(await fail(a, victim.email)).toBe(401);
    expect(await keys()).toBeGreaterThan(0); // the counter lives in Redis

    // B serves `other`'s session from its cache.
    for (let i = 0; i < 2; i++)
      expect((await attempt(b.url, 'GET', '/auth/me', { token: other.token })).status).toBe(200);

    await redis.stop();
    for (const instance of instances)
      await until('the bus is unhealthy', async () => (await gauge(instance, BUS)) === 0, 5_000);

    // Rate limits: counted afresh in memory, still refusing, never waiting on Redis.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = Date.now();
      statuses.push((await fail(a, victim.email))!);
      expect(Date.now() - started).toBeLessThan(3_000);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);

    // The bus: a logout cannot be confirmed (503, saved), and no instance believes the session any more.
    const started = Date.now();
    const logout = await attempt(a.url, 'POST', '/auth/logout', { token: other.token, json: {} });
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(logout.status).toBe(503);
    expect(logout.body).toMatchObject({ code: 'INVALIDATION_UNCONFIRMED' });
    for (const instance of instances) {
      expect((await attempt(instance.url, 'GET', '/auth/me', { token: other.token })).status).toBe(401);
    }
    // Logins and reads go on (the cache bypassed).
    const again = await loginToken(a.url, victim);
    expect(again).not.toBeNull();
    expect((await attempt(b.url, 'GET', '/auth/me', { token: again! })).status).toBe(200);

    await redis.start();
    for (const instance of instances)
      await until('the bus is healthy again', async () => (await gauge(instance, BUS)) === 1);
    await until('rate limits count in Redis again', async () => {
      await fail(b, `nobody-${Date.now()}@example.com`);
      return (await keys()) > 0;
    });
    const logoutAfter = await attempt(a.url, 'POST', '/auth/logout', { token: again!, json: {} });
    expect(logoutAfter.status).toBe(204);
    expect((await attempt(b.url, 'GET', '/auth/me', { token: again! })).status).toBe(401);
    expect(a.logs.some((l) => l.msg === 'redis unreachable')).toBe(true);
    expect(a.logs.some((l) => l.msg === 'redis reachable again')).toBe(true);
  });
});
