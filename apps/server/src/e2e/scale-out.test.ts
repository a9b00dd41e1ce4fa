import { testDatabaseKind, type SpawnedServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount } from '../test/accounts.js';
import { ROOT, ROOT_ENV, type AdminUser, type Page } from '../test/admin.js';
import { startCluster, type Cluster } from '../test/cluster.js';
import { http } from '../test/harness.js';
import { redisKeyCount } from '../test/redis.js';

// Scale-out: two real server processes behind one PostgreSQL database and one Redis, as a deployment with more
// than one instance runs. Whatever one instance decides, the other must hold to on the very next request.
// Add a case as one more `it` below: `a` and `b` are the two instances, `adminToken` an admin's token.
//
// PostgreSQL only: a SQLite database is one file for one process; several instances never share one.

const ON_POSTGRES = testDatabaseKind() === 'postgresql';

interface Instance {
  url: string;
}

type Json = Record<string, unknown>;
const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });
const login = (on: Instance, ip: string, username: string, password: string) =>
  http<Json>(on.url, 'POST', '/auth/login', { form: { username, password }, headers: fromIp(ip) });
const registerOn = (on: Instance, account: ReturnType<typeof newAccount>, ip = '192.0.2.1') =>
  http<Json>(on.url, 'POST', '/auth/register', { json: account, headers: fromIp(ip) });

/**
 * What B answers `token` on /auth/me: at once (Redis delivers to every subscriber before the publisher hears back),
 * or within PostgreSQL's NOTIFY delivery time, which can trail the changing instance's own echo by a few ms.
 */
async function meOnB(
  b: Instance,
  token: string,
  settle: boolean,
  ok: (r: { status: number; body: Json }) => boolean,
) {
  let res = await http<Json>(b.url, 'GET', '/auth/me', { token });
  for (let i = 0; settle && !ok(res) && i < 50; i++) {
    await new Promise((r) => setTimeout(r, 10));
    res = await http<Json>(b.url, 'GET', '/auth/me', { token });
  }
  return res;
}

/** B caches a session; A changes the profile, then logs the session out; B sees both on its next request. */
async function cachedOnB_loggedOutOnA(a: Instance, b: Instance, settle = false): Promise<void> {
  const user = newAccount('cachedb');
  expect((await registerOn(a, user)).status).toBe(201);
  const token = (await login(b, '198.51.100.11', user.email, user.password)).body.access_token as string;
  for (let i = 0; i < 2; i++) expect((await http(b.url, 'GET', '/auth/me', { token })).status).toBe(200);
  const patched = await http<Json>(a.url, 'PATCH', '/users/me', { token, json: { bio: 'edited on A' } });
  expect(patched.status).toBe(200);
  expect((await meOnB(b, token, settle, (r) => r.body.bio === 'edited on A')).body.bio).toBe('edited on A');
  expect((await http(a.url, 'POST', '/auth/logout', { token, json: {} })).status).toBe(204);
  const me = await meOnB(b, token, settle, (r) => r.status === 401);
  expect(me.status).toBe(401);
  expect(me.body.code).toBe('INVALID_TOKEN');
}

describe.skipIf(!ON_POSTGRES)(
  'two instances on one PostgreSQL and one Redis (skipped on SQLite: PostgreSQL only)',
  () => {
    let cluster: Cluster;
    let a: Instance;
    let b: Instance;
    let adminToken: string;

    beforeAll(async () => {
      cluster = await startCluster(2, {
        ...ROOT_ENV,
        TRUST_PROXY: 'true',
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMITS: 'login.account_ip_failures=3/1h,register.ip=1000/1h,register.account=100/1h',
      });
      [a, b] = cluster.instances as [SpawnedServer, SpawnedServer];
      const res = await login(a, '192.0.2.250', ROOT.email, ROOT.password);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      adminToken = res.body.access_token as string;
    }, 120_000);
    afterAll(() => cluster?.close());

    it('holds on B a limit spent through A', async () => {
      const owner = newAccount('spent');
      expect((await registerOn(a, owner)).status).toBe(201);
      for (let i = 0; i < 3; i++)
        expect((await login(a, '203.0.113.9', owner.email, 'wrong')).status).toBe(401);
      const refused = await login(b, '203.0.113.9', owner.email, owner.password);
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Through Redis, not by chance: the counters are there, and no instance fell back to its own memory.
      expect(await redisKeyCount(cluster.redisPrefix)).toBeGreaterThan(0);
      for (const instance of cluster.instances) {
        expect(instance.logs.filter((l) => String(l.msg).startsWith('redis'))).toEqual([]);
      }
      // The owner, elsewhere, is let in by either.
      expect((await login(b, '198.51.100.9', owner.email, owner.password)).status).toBe(200);
      expect((await login(a, '198.51.100.9', owner.email, owner.password)).status).toBe(200);
    });

    it('refuses on B, at the next request, a user deactivated through A', async () => {
      const user = newAccount('deact');
      const created = await registerOn(b, user);
      expect(created.status).toBe(201);
      const session = await login(b, '198.51.100.10', user.email, user.password);
      const token = session.body.access_token as string;
      // B has read the session and the account, and now serves them from its auth cache.
      expect((await http(b.url, 'GET', '/auth/me', { token })).status).toBe(200);
      expect((await http(b.url, 'GET', '/auth/me', { token })).status).toBe(200);

      const patched = await http<AdminUser>(a.url, 'PATCH', `/admin/users/${created.body.id as number}`, {
        token: adminToken,
        json: { is_active: false },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.is_active).toBe(false);

      const me = await http<Json>(b.url, 'GET', '/auth/me', { token });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('INVALID_TOKEN');
      const again = await login(b, '198.51.100.10', user.email, user.password);
      expect(again.status).toBe(403);
      expect(again.body.code).toBe('ACCOUNT_DEACTIVATED');
    });

    it('refuses on B, at the next request, a session ended through A (logout)', async () => {
      const user = newAccount('logout');
      expect((await registerOn(a, user)).status).toBe(201);
      const session = await login(b, '198.51.100.11', user.email, user.password);
      expect(session.status).toBe(200);
      const token = session.body.access_token as string;
      const refreshToken = session.body.refresh_token as string;
      // B has seen the token (and remembers its signature as good) before A ends the session.
      expect((await http(b.url, 'GET', '/auth/me', { token })).status).toBe(200);

      expect((await http(a.url, 'POST', '/auth/logout', { token })).status).toBe(204);

      const me = await http<Json>(b.url, 'GET', '/auth/me', { token });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('INVALID_TOKEN');
      const refreshed = await http<Json>(b.url, 'POST', '/auth/refresh', {
        json: { refresh_token: refreshToken },
        headers: fromIp('198.51.100.11'),
      });
      expect(refreshed.status).toBe(401);
      expect(refreshed.body.code).toBe('INVALID_REFRESH_TOKEN');
    });

    it('refuses on B a session logged out through A, and shows on B a profile change made through A', async () => {
      await cachedOnB_loggedOutOnA(a, b);
    });

    it('shows on B, at the next read, a profile edited and an account registered through A (read cache)', async () => {
      const reader = newAccount('reader');
      const owner = newAccount('owner');
      expect((await registerOn(b, reader)).status).toBe(201);
      const created = await registerOn(b, owner);
      const id = created.body.id as number;
      const token = (await login(b, '198.51.100.13', reader.email, reader.password)).body
        .access_token as string;
      const ownerToken = (await login(a, '198.51.100.13', owner.email, owner.password)).body
        .access_token as string;
      const profile = () => http<Json>(b.url, 'GET', `/users/${id}`, { token });
      const newest = async () => (await http<Json[]>(b.url, 'GET', '/users?limit=1', { token })).body[0]?.id;
      // B answers both reads from its read cache from the second time on.
      for (let i = 0; i < 2; i++) {
        expect((await profile()).body.bio).toBeNull();
        expect(await newest()).toBe(id);
      }
      const edited = await http(a.url, 'PUT', '/users/me', {
        token: ownerToken,
        json: { bio: 'edited on A' },
      });
      expect(edited.status).toBe(200);
      expect((await profile()).body.bio).toBe('edited on A');
      const later = await registerOn(a, newAccount('later'));
      expect(later.status).toBe(201);
      expect(await newest()).toBe(later.body.id);
    });

    it('gives exactly one account to concurrent registrations of one email across A and B', async () => {
      const email = newAccount('race').email;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          registerOn(i % 2 === 0 ? a : b, {
            ...newAccount(`race${i}`),
            email: i % 3 === 0 ? email.toUpperCase() : email,
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array<number>(9).fill(409)]);
      for (const r of results.filter((x) => x.status === 409))
        expect(r.body.code).toBe('USER_ALREADY_EXISTS');

      const list = await http<Page<AdminUser>>(b.url, 'GET', '/admin/users?limit=100', { token: adminToken });
      expect(list.status).toBe(200);
      expect(list.body.items.filter((u) => u.email === email)).toHaveLength(1);
    });
  },
);

describe.skipIf(!ON_POSTGRES)(
  'two instances on one PostgreSQL without Redis: auth cache invalidation by LISTEN/NOTIFY',
  () => {
    let cluster: Cluster;
    let a: Instance;
    let b: Instance;
    let adminToken: string;

    beforeAll(async () => {
      cluster = await startCluster(2, { ...ROOT_ENV, TRUST_PROXY: 'true' }, { redis: false });
      [a, b] = cluster.instances as [SpawnedServer, SpawnedServer];
      adminToken = (await login(a, '192.0.2.250', ROOT.email, ROOT.password)).body.access_token as string;
    }, 120_000);
    afterAll(() => cluster?.close());

    it('refuses on B, at the next request, a user deactivated through A after B cached the session', async () => {
      const user = newAccount('notify');
      const created = await registerOn(b, user);
      const token = (await login(b, '198.51.100.12', user.email, user.password)).body.access_token as string;
      for (let i = 0; i < 2; i++) expect((await http(b.url, 'GET', '/auth/me', { token })).status).toBe(200);
      const patched = await http(a.url, 'PATCH', `/admin/users/${created.body.id as number}`, {
        token: adminToken,
        json: { is_active: false },
      });
      expect(patched.status).toBe(200);
      expect((await meOnB(b, token, true, (r) => r.status === 401)).status).toBe(401);
    });

    it('refuses on B a session logged out through A, and shows on B a profile change made through A', async () => {
      await cachedOnB_loggedOutOnA(a, b, true);
    });
  },
);
