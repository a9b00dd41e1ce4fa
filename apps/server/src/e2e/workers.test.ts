import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { spawnServer, type SpawnedServer } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, type NewAccount } from '../test/accounts.js';
import { ROOT, ROOT_ENV } from '../test/admin.js';
import { attempt, sleep, until, type Outcome } from '../test/chaos.js';
import { SERVER_MAIN } from '../test/cluster.js';

// WEB_CONCURRENCY=2: the built server as a deployment runs it, a primary and two workers on one port. Every request
// below goes over a connection of its own (`attempt` sends `Connection: close`), and node's cluster hands
// connections to the workers in turn: consecutive requests land on one worker, then the other. The request log's
// `worker` field says which one answered. Both legs: on SQLite the workers share one file.

type Json = Record<string, unknown>;

const PATH_BY_KIND = { session: 'logout', user: 'deactivation', role: 'demotion' } as const;
/** How many requests follow each change: enough to land on both workers, twice. */
const NEXT = 4;

let server: SpawnedServer;
let adminToken: string;
let ips = 0;
/** A client address of its own per caller (TRUST_PROXY): limits by IP stay out of the way but where tested. */
const fromIp = () => ({ 'x-forwarded-for': `198.18.${Math.floor(++ips / 250)}.${(ips % 250) + 1}` });

const call = (method: string, path: string, opts: Parameters<typeof attempt>[3] = {}) =>
  attempt(server.url, method, path, { ...opts, headers: { ...fromIp(), ...opts.headers } });

async function register(who: NewAccount): Promise<number> {
  const res = await call('POST', '/auth/register', { json: who });
  expect(res.status, JSON.stringify(res)).toBe(201);
  return Number(res.body?.id);
}

async function login(who: Pick<NewAccount, 'email' | 'password'>, headers?: Record<string, string>) {
  return call('POST', '/auth/login', { form: { username: who.email, password: who.password }, headers });
}

async function tokenOf(who: Pick<NewAccount, 'email' | 'password'>): Promise<string> {
  const res = await login(who);
  expect(res.status, JSON.stringify(res)).toBe(200);
  return String(res.body?.access_token);
}

/** `NEXT` requests in a row, each on a new connection. */
async function next(method: string, path: string, token: string): Promise<Outcome[]> {
  const answers: Outcome[] = [];
  for (let i = 0; i < NEXT; i++) answers.push(await call(method, path, { token }));
  return answers;
}

/** Workers whose request lines mention `path` since log line `from`. */
function workersSince(from: number): Set<unknown> {
  return new Set(
    server.logs
      .slice(from)
      .filter((l) => l.msg === 'request')
      .map((l) => l.worker),
  );
}

/** GET /metrics over a connection of its own (so the scrapes land on the workers in turn): status and text. */
function scrape(): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get(`${server.url}/metrics`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

/** The samples of an unlabelled-but-for-`worker` metric, by worker. */
function byWorker(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, worker, value] of text.matchAll(new RegExp(`^${name}\\{worker="([^"]+)"\\} (\\S+)$`, 'gm'))) {
    out[worker!] = Number(value);
  }
  return out;
}

const readyPids = () =>
  server.logs.filter((l) => l.msg === 'worker ready').map((l) => ({ worker: l.worker, pid: Number(l.pid) }));

describe('WEB_CONCURRENCY=2: a primary and two workers on one port', { timeout: 600_000 }, () => {
  beforeAll(async () => {
    server = await spawnServer({
      script: SERVER_MAIN,
      startTimeoutMs: 120_000,
      env: {
        ...ROOT_ENV,
        WEB_CONCURRENCY: '2',
        TRUST_PROXY: 'true',
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMITS: 'login.account_ip_failures=3/1h,register.account=1000/1h',
      },
    });
    adminToken = await tokenOf({ email: ROOT.email, password: ROOT.password });
  }, 180_000);
  afterAll(() => server?.close());

  it('starts two workers once the primary has migrated and made the first admin, and uses both', async () => {
    const listening = server.logs.find((l) => l.msg === 'Roster is listening');
    expect(listening).toMatchObject({ workers: 2 });
    expect(listening?.worker).toBeUndefined();
    // The once-only work is the primary's: its lines carry no worker id.
    const once = server.logs.filter((l) => l.msg === 'bootstrap admin applied (ADMIN_EMAIL)');
    expect(once).toHaveLength(1);
    expect(once[0]?.worker).toBeUndefined();
    expect(new Set(readyPids().map((r) => r.pid)).size).toBe(2);
    // Each worker runs with the flags its primary gives it (config.ts `workerMemory`): a capped heap, a small young
    // generation and one V8 platform thread.
    for (const { pid } of readyPids()) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toEqual(
        expect.arrayContaining(['--max-semi-space-size=4', '--max-old-space-size=160', '--v8-pool-size=1']),
      );
    }

    const from = server.logs.length;
    for (let i = 0; i < 6; i++) expect((await call('GET', '/health')).status).toBe(200);
    await until('the request lines are written', async () => workersSince(from).size === 2, 5_000);
    expect([...workersSince(from)].sort()).toEqual([1, 2]);
  });

  it('serves the whole instance at /metrics whichever worker is scraped: each worker under its label', async () => {
    for (let i = 0; i < 4; i++) await register(newAccount(`metrics${i}`));
    const from = server.logs.length;
    const ids = readyPids()
      .map((r) => String(r.worker))
      .sort();
    for (let i = 0; i < 4; i++) {
      const { status, text } = await scrape();
      expect(status).toBe(200);
      const registrations = byWorker(text, 'roster_registrations_total');
      expect(Object.keys(registrations).sort()).toEqual(ids);
      expect(Object.values(registrations).reduce((sum, n) => sum + n, 0)).toBe(4);
      const rss = byWorker(text, 'process_resident_memory_bytes');
      expect(Object.keys(rss).sort()).toEqual([...ids, 'primary']);
      // The primary never loads the API or the ORM (its start-up work ran in a process of its own, gone since).
      for (const id of ids) expect(rss.primary).toBeLessThan(rss[id]!);
    }
    await until('the request lines are written', async () => workersSince(from).size === 2, 5_000);
  });

  it.each(['session', 'user', 'role'] as const)(
    'refuses the very next request after a %s change made through either worker, every time',
    async (kind) => {
      const rounds = kind === 'session' ? 20 : 15;
      const who = newAccount(`wk${kind}`);
      const id = await register(who);
      for (let round = 0; round < rounds; round++) {
        const token = await tokenOf(who);
        // Both workers have read the session and the account, and serve them from their auth caches.
        for (const res of await next('GET', '/auth/me', token)) expect(res.status).toBe(200);
        if (kind === 'session') {
          expect((await call('POST', '/auth/logout', { token, json: {} })).status).toBe(204);
          for (const res of await next('GET', '/auth/me', token)) {
            expect(res.status, `${PATH_BY_KIND[kind]} round ${round}`).toBe(401);
          }
        } else if (kind === 'user') {
          const off = await call('PATCH', `/admin/users/${id}`, {
            token: adminToken,
            json: { is_active: false },
          });
          expect(off.status, JSON.stringify(off)).toBe(200);
          for (const res of await next('GET', '/auth/me', token)) {
            expect(res.status, `${PATH_BY_KIND[kind]} round ${round}`).toBe(401);
          }
          const on = await call('PATCH', `/admin/users/${id}`, {
            token: adminToken,
            json: { is_active: true },
          });
          expect(on.status).toBe(200);
        } else {
          const up = await call('PATCH', `/admin/users/${id}`, {
            token: adminToken,
            json: { role: 'admin' },
          });
          expect(up.status, JSON.stringify(up)).toBe(200);
          for (const res of await next('GET', '/admin/users?limit=1', token)) expect(res.status).toBe(200);
          const down = await call('PATCH', `/admin/users/${id}`, {
            token: adminToken,
            json: { role: 'user' },
          });
          expect(down.status).toBe(200);
          for (const res of await next('GET', '/admin/users?limit=1', token)) {
            expect(res.status, `${PATH_BY_KIND[kind]} round ${round}`).toBe(403);
          }
          for (const res of await next('GET', '/auth/me', token))
            expect((res.body as Json).role).toBe('user');
        }
      }
    },
  );

  it('takes 32 concurrent writes from 32 connections without a 503', async () => {
    const accounts = Array.from({ length: 32 }, () => newAccount('wkburst'));
    const registered = await Promise.all(
      accounts.map((who) => call('POST', '/auth/register', { json: who })),
    );
    expect(registered.map((r) => r.status)).toEqual(accounts.map(() => 201));
    const tokens = await Promise.all(accounts.map((who) => tokenOf(who)));
    const updated = await Promise.all(
      tokens.map((token, i) => call('PATCH', '/users/me', { token, json: { bio: `burst ${i}` } })),
    );
    expect(updated.map((r) => r.status)).toEqual(tokens.map(() => 200));
    for (const [i, token] of tokens.entries()) {
      expect((await call('GET', '/auth/me', { token })).body?.bio).toBe(`burst ${i}`);
    }
  });

  it('holds a limit across the workers: failures counted on one refuse on the other', async () => {
    const owner = newAccount('wklimit');
    await register(owner);
    const sameIp = { 'x-forwarded-for': '203.0.113.77' };
    const from = server.logs.length;
    // Three wrong passwords from one address, on alternating workers, fill login.account_ip_failures (3/1h).
    for (let i = 0; i < 3; i++) {
      expect((await login({ ...owner, password: 'wrong-password' }, sameIp)).status).toBe(401);
    }
    for (let i = 0; i < NEXT; i++) {
      const refused = await login(owner, sameIp);
      expect(refused.status).toBe(429);
      expect(refused.body?.code).toBe('RATE_LIMITED');
    }
    await until('the request lines are written', async () => workersSince(from).size === 2, 5_000);
    // Elsewhere the owner is let in, on either worker (and that address becomes known: `known_ip`).
    for (let i = 0; i < 2; i++)
      expect((await login(owner, { 'x-forwarded-for': '203.0.113.78' })).status).toBe(200);
  });

  it('restarts a worker killed with SIGKILL, and keeps answering meanwhile', async () => {
    const [victim] = readyPids();
    expect(victim).toBeDefined();
    process.kill(victim!.pid, 'SIGKILL');
    await until('the primary sees it die', async () =>
      server.logs.some((l) => l.msg === 'worker exited unexpectedly: restarting it' && l.pid === victim!.pid),
    );
    // Until its replacement is ready, the surviving worker answers everything: the new one takes connections only
    // once it can serve them (never a 503 "Starting up").
    const meanwhile: (number | string | undefined)[] = [];
    for (const end = Date.now() + 120_000; readyPids().length < 3 && Date.now() < end; await sleep(20)) {
      const res = await call('GET', '/health/ready');
      meanwhile.push(res.status ?? res.error);
    }
    expect(readyPids()).toHaveLength(3);
    expect(meanwhile.length).toBeGreaterThan(0);
    expect(meanwhile.filter((status) => status !== 200)).toEqual([]);
    const from = server.logs.length;
    for (let i = 0; i < 6; i++) expect((await call('GET', '/health')).status).toBe(200);
    await until('the request lines are written', async () => workersSince(from).size === 2, 5_000);
    expect(workersSince(from).has(3)).toBe(true);
    // The new worker is on the bus: a logout through either is refused by both at once.
    const who = newAccount('wkafter');
    await register(who);
    const token = await tokenOf(who);
    for (const res of await next('GET', '/auth/me', token)) expect(res.status).toBe(200);
    expect((await call('POST', '/auth/logout', { token, json: {} })).status).toBe(204);
    for (const res of await next('GET', '/auth/me', token)) expect(res.status).toBe(401);
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) =>
      server.child.once('exit', (code) => resolve(code)),
    );
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await sleep(50);
    expect(server.logs.filter((l) => l.msg === 'shutdown complete' && l.worker !== undefined)).toHaveLength(
      2,
    );
    expect(server.logs.at(-1)).toMatchObject({ msg: 'shutdown complete', failed: false });
  });
});
