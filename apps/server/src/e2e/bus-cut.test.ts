import { closeDatabase, openDatabase } from '@roster/db';
import { spawnServer, testDatabaseKind, type SpawnedServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount } from '../test/accounts.js';
import { SERVER_MAIN, startCluster, type Cluster } from '../test/cluster.js';
import { http } from '../test/harness.js';
import { PrivateRedis, RedisRelay } from '../test/redis.js';

// The invalidation bus cut under two real server processes on one database: B's connection to the bus is killed
// (Redis CLIENT KILL of its subscriber, pg_terminate_backend of its LISTEN connection), or A's is; either way a
// logout through A is refused by B on its very next request, and A's logout still answers once it is confirmed.
//
// PostgreSQL only: several instances share one PostgreSQL database (a SQLite file has one server process; its
// signal-file bus is tested in bus-health.test.ts on both legs).

const ON_POSTGRES = testDatabaseKind() === 'postgresql';
const LISTENER = 'roster-listen';

type Json = Record<string, unknown>;

/** A session logged in on B and served from B's cache (two reads), for an account registered on A. */
async function cachedOnB(a: SpawnedServer, b: SpawnedServer): Promise<string> {
  const account = newAccount('buscut');
  expect((await http(a.url, 'POST', '/auth/register', { json: account })).status).toBe(201);
  const login = await http<Json>(b.url, 'POST', '/auth/login', {
    form: { username: account.email, password: account.password },
  });
  expect(login.status).toBe(200);
  const token = login.body.access_token as string;
  for (let i = 0; i < 2; i++) expect((await http(b.url, 'GET', '/auth/me', { token })).status).toBe(200);
  return token;
}

async function logoutOnARefusedOnB(a: SpawnedServer, b: SpawnedServer, token: string): Promise<void> {
  const started = Date.now();
  const logout = await http(a.url, 'POST', '/auth/logout', { token, json: {} });
  expect(logout.status, JSON.stringify(logout.body)).toBe(204);
  expect(Date.now() - started).toBeLessThan(3_500);
  const me = await http<Json>(b.url, 'GET', '/auth/me', { token });
  expect(me.status).toBe(401);
  expect(me.body.code).toBe('INVALID_TOKEN');
}

/** Waits until an instance's /metrics says its bus is healthy again (its own heartbeat heard). */
async function busHealthy(instance: SpawnedServer): Promise<void> {
  for (let end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    if (/roster_auth_cache_bus_healthy 1/.test(metrics)) return;
  }
  throw new Error(`${instance.url}: the invalidation bus did not become healthy within 10 s`);
}

describe.skipIf(!ON_POSTGRES)(
  'bus cut under two instances, Redis (skipped on SQLite: shared PostgreSQL)',
  () => {
    let redis: PrivateRedis;
    let cluster: Cluster;
    let a: SpawnedServer;
    let b: SpawnedServer;

    /** CLIENT KILL of one instance's subscriber, found by its connection name. */
    async function killSubscriber(of: SpawnedServer): Promise<void> {
      const admin = redis.client();
      try {
        const list = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
        const id = /id=(\d+) .*name=(\S+)/
          .exec(list.split('\n').find((line) => line.includes(`name=${LISTENER}:${of.child.pid} `)) ?? '')
          ?.at(1);
        expect(id, list).toBeDefined();
        expect(await admin.client('KILL', 'ID', id!)).toBe(1);
      } finally {
        await admin.quit();
      }
    }

    beforeAll(async () => {
      redis = await PrivateRedis.start();
      cluster = await startCluster(2, { REDIS_URL: redis.url }, { redis: false });
      [a, b] = cluster.instances as [SpawnedServer, SpawnedServer];
      await Promise.all([busHealthy(a), busHealthy(b)]);
    }, 120_000);
    afterAll(async () => {
      await cluster?.close();
      await redis?.stop();
    });

    it("B's subscriber killed: a logout through A is refused by B on its next request", async () => {
      const token = await cachedOnB(a, b);
      await killSubscriber(b);
      await logoutOnARefusedOnB(a, b, token);
      await busHealthy(b);
    });

    it("A's subscriber killed: A's logout is sent again until heard, then answers; B refuses", async () => {
      const token = await cachedOnB(a, b);
      await killSubscriber(a);
      await logoutOnARefusedOnB(a, b, token);
      await busHealthy(a);
    });

    it('a silent cut (nothing closes, nothing arrives): C stops believing its cache within 2 s of its last heartbeat', async () => {
      // C reaches Redis through a relay that can freeze: its connections stay open and go quiet.
      const relay = await RedisRelay.start(redis.url);
      const c = await spawnServer({
        script: SERVER_MAIN,
        database: cluster.database,
        env: { REDIS_URL: relay.url },
      });
      try {
        await busHealthy(c);
        const token = await cachedOnB(a, c);
        relay.freeze();
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        await logoutOnARefusedOnB(a, c, token);
        expect(c.logs.some((l) => String(l.msg).includes('invalidation bus silent'))).toBe(true);
        relay.thaw();
        await busHealthy(c);
      } finally {
        relay.thaw();
        await c.close();
        await relay.close();
      }
    });
  },
);

describe.skipIf(!ON_POSTGRES)(
  'bus cut under two instances, PostgreSQL LISTEN (skipped on SQLite: PostgreSQL only)',
  () => {
    let cluster: Cluster;
    let a: SpawnedServer;
    let b: SpawnedServer;

    async function terminateListener(of: SpawnedServer): Promise<void> {
      const db = await openDatabase(cluster.database.url);
      try {
        const [row] = await db.orm.em.getConnection().execute<{ n: number }[]>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = current_database() and application_name = ?`,
          [`${LISTENER}:${of.child.pid}`],
        );
        expect(row?.n).toBe(1);
      } finally {
        await closeDatabase(db);
      }
    }

    beforeAll(async () => {
      cluster = await startCluster(2, {}, { redis: false });
      [a, b] = cluster.instances as [SpawnedServer, SpawnedServer];
      await Promise.all([busHealthy(a), busHealthy(b)]);
    }, 120_000);
    afterAll(() => cluster?.close());

    it("B's LISTEN connection terminated: a logout through A is refused by B on its next request", async () => {
      const token = await cachedOnB(a, b);
      await terminateListener(b);
      await logoutOnARefusedOnB(a, b, token);
      await busHealthy(b);
    });

    it("A's LISTEN connection terminated: A's logout waits for its new listener to hear it; B refuses", async () => {
      const token = await cachedOnB(a, b);
      await terminateListener(a);
      await logoutOnARefusedOnB(a, b, token);
      await busHealthy(a);
    });
  },
);
