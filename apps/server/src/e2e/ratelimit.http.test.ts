import { closedPort } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, register, type NewAccount } from '../test/accounts.js';
import { http, startTestServer, type JsonResponse, type TestServer } from '../test/harness.js';
import {
  clearRedisPrefix,
  redisKeyCount,
  RedisRelay,
  TEST_REDIS_URL,
  testRedisPrefix,
} from '../test/redis.js';

// Rate limits over HTTP on a real server, with counters in memory and in the real Redis. Clients are told apart
// by X-Forwarded-For (TRUST_PROXY=true), as behind a reverse proxy.

const LIMITS = {
  RATE_LIMIT_ENABLED: 'true',
  TRUST_PROXY: 'true',
  RATE_LIMITS: 'login.account_ip_failures=3/1h,login.ip=1000/1h,register.ip=1000/1h,register.account=2/1h',
};

type Trpc = { error?: { data: { code: string; httpStatus: number; retryAfter?: number } }; result?: unknown };

const fromIp = (ip: string) => ({ 'x-forwarded-for': ip });

function loginRest(server: TestServer, ip: string, username: string, password: string) {
  return http(server.url, 'POST', '/auth/login', { form: { username, password }, headers: fromIp(ip) });
}

function loginTrpc(server: TestServer, ip: string, username: string, password: string) {
  return http<Trpc>(server.url, 'POST', '/trpc/auth.login', {
    json: { username, password },
    headers: fromIp(ip),
  });
}

function expectRetryAfter(res: JsonResponse<unknown>): number {
  const value = Number(res.headers.get('retry-after'));
  expect(value).toBeGreaterThan(0);
  expect(value).toBeLessThanOrEqual(3600);
  return value;
}

/** Three wrong passwords for `account` from `ip`: the bucket of that pair is then full. */
async function spend(server: TestServer, ip: string, account: NewAccount, times = 3): Promise<void> {
  for (let i = 0; i < times; i++) {
    expect((await loginRest(server, ip, account.email, 'wrong password')).status).toBe(401);
  }
}

const modes = [
  { mode: 'memory', env: (): Record<string, string> => ({}) },
  { mode: 'redis', env: (prefix: string) => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }) },
];

describe.each(modes)('with counters in $mode', ({ mode, env }) => {
  let server: TestServer;
  const prefix = testRedisPrefix('ratelimit-http');
  beforeAll(async () => {
    server = await startTestServer({ ...LIMITS, ...env(prefix) });
  });
  afterAll(async () => {
    await server.close();
    await clearRedisPrefix(prefix);
  });

  it('refuses a guessing IP over REST with 429, Retry-After and RATE_LIMITED; the owner logs in elsewhere', async () => {
    const owner = newAccount('owner');
    await register(server, owner);
    await spend(server, '203.0.113.1', owner);
    const refused = await loginRest(server, '203.0.113.1', owner.email, owner.password);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ code: 'RATE_LIMITED', detail: 'Too many requests: try again later' });
    expectRetryAfter(refused);

    const ok = await loginRest(server, '198.51.100.1', owner.username, owner.password);
    expect(ok.status).toBe(200);
    expect((await loginRest(server, '203.0.113.1', owner.email, owner.password)).status).toBe(429);
    const keys = await redisKeyCount(prefix);
    if (mode === 'redis') expect(keys).toBeGreaterThan(0);
    else expect(keys).toBe(0);
  });

  it('refuses over tRPC with HTTP 429, Retry-After and the code in error.data', async () => {
    const owner = newAccount('trpc');
    await register(server, owner);
    await spend(server, '203.0.113.2', owner);
    const refused = await loginTrpc(server, '203.0.113.2', owner.email, owner.password);
    expect(refused.status).toBe(429);
    const wait = expectRetryAfter(refused);
    expect(refused.body.error?.data).toMatchObject({
      code: 'RATE_LIMITED',
      httpStatus: 429,
      retryAfter: wait,
    });
    expect((await loginTrpc(server, '198.51.100.2', owner.email, owner.password)).status).toBe(200);
  });

  it('counts a batch of ten logins as ten attempts', async () => {
    const owner = newAccount('batch');
    await register(server, owner);
    const path = `/trpc/${Array.from({ length: 10 }, () => 'auth.login').join(',')}?batch=1`;
    const input = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [i, { username: owner.email, password: `guess ${i}` }]),
    );
    const res = await http<Trpc[]>(server.url, 'POST', path, { json: input, headers: fromIp('203.0.113.3') });
    expect(res.status).toBe(207);
    const codes = res.body.map((r) => r.error?.data.code);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
    expectRetryAfter(res);
    // A batch refused as a whole answers 429 like a single call.
    const again = await http<Trpc[]>(server.url, 'POST', path, {
      json: input,
      headers: fromIp('203.0.113.3'),
    });
    expect(again.status).toBe(429);
    expect(again.body.every((r) => r.error?.data.code === 'RATE_LIMITED')).toBe(true);
    expectRetryAfter(again);
  });

  it('limits registrations of one email', async () => {
    const account = newAccount('reg');
    await register(server, account);
    const dup = await http(server.url, 'POST', '/auth/register', {
      json: account,
      headers: fromIp('203.0.113.4'),
    });
    expect(dup.status).toBe(409);
    const refused = await http(server.url, 'POST', '/auth/register', {
      json: { ...account, username: 'someone_else' },
      headers: fromIp('203.0.113.5'),
    });
    expect(refused.status).toBe(429);
    expectRetryAfter(refused);
  });
});

describe('when Redis is unreachable', () => {
  it('starts anyway and counts in memory', async () => {
    const server = await startTestServer({ ...LIMITS, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      expect(
        server.logs.some(
          (l) => l.msg === 'redis is not reachable yet: rate limits count in this instance only until it is',
        ),
      ).toBe(true);
      const owner = newAccount('nored');
      await register(server, owner);
      await spend(server, '203.0.113.6', owner);
      expect((await loginRest(server, '203.0.113.6', owner.email, owner.password)).status).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('keeps limiting without waiting when Redis goes away, and shares counters again once it is back', async () => {
    const relay = await RedisRelay.start();
    const prefix = testRedisPrefix('ratelimit-relay');
    const server = await startTestServer({ ...LIMITS, REDIS_URL: relay.url, REDIS_KEY_PREFIX: prefix });
    try {
      const owner = newAccount('relay');
      await register(server, owner);
      await spend(server, '203.0.113.7', owner, 2); // two failures, in Redis
      expect(await redisKeyCount(prefix)).toBeGreaterThan(0);

      relay.cut();
      const started = Date.now();
      await spend(server, '203.0.113.7', owner, 3); // counted afresh in memory
      expect((await loginRest(server, '203.0.113.7', owner.email, owner.password)).status).toBe(429);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(server.logs.some((l) => l.msg === 'redis unreachable')).toBe(true);

      relay.restore();
      await expect
        .poll(() => server.logs.some((l) => l.msg === 'redis reachable again'), { timeout: 10_000 })
        .toBe(true);
      // Back on Redis: its two failures still count, so one more fills the bucket.
      await spend(server, '203.0.113.7', owner, 1);
      expect((await loginRest(server, '203.0.113.7', owner.email, owner.password)).status).toBe(429);
    } finally {
      await server.close();
      await relay.close();
      await clearRedisPrefix(prefix);
    }
  });
});
