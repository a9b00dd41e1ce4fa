import { randomUUID } from 'node:crypto';
import { closedPort } from '@roster/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiDeps, createContextInner, type ApiDeps } from '../context.js';
import { toErrorResponse } from '../errors.js';
import type { ApiEvent } from '../events.js';
import { createCaller } from '../root.js';
import { createHarness, errorCodeOf, PASSWORD, type Harness } from '../test/harness.js';
import { createCallerFactory, publicProcedure, router } from '../trpc.js';
import { rateLimit } from './middleware.js';
import { rateLimitTable, type RateLimitTable } from './rules.js';
import { RateLimitedError, RateLimits, type RateLimitStore } from './service.js';

// The rate limits through real procedures on a real database: memory counters, and Redis at 127.0.0.1:6379
// under a key prefix of this file's own.

let h: Harness;
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
const PREFIX = `roster-test:${randomUUID()}:`;

beforeAll(async () => {
  h = await createHarness();
  await redis.connect();
});
afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await h.close();
});

const TABLE = rateLimitTable(
  'login.ip=30/1h,login.account_ip_failures=3/1h,login.account_failures=6/1h,register.ip=4/1h,register.account=2/1h',
);

function limitedDeps(table: RateLimitTable = TABLE, store?: RateLimitStore) {
  const events: ApiEvent[] = [];
  const deps: ApiDeps = createApiDeps(h.db.orm, h.deps.settings, {
    rateLimits: RateLimits.create(table, store),
    events: { emit: (e) => events.push(e) },
  });
  return { deps, events };
}

const from = (deps: ApiDeps, ip: string | null) => createCaller(createContextInner({ deps, ip }));

async function refusal(promise: Promise<unknown>): Promise<RateLimitedError> {
  const error = await promise.then(
    () => expect.unreachable('the call was admitted'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RateLimitedError);
  return error as RateLimitedError;
}

describe('login', () => {
  it('slows one IP guessing at an account while its owner logs in from another', async () => {
    const { deps, events } = limitedDeps();
    const owner = await h.account('owner1');
    const attacker = from(deps, '203.0.113.1');
    for (let i = 0; i < 3; i++) {
      expect(await errorCodeOf(attacker.auth.login({ username: owner.email, password: 'wrong guess' }))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    const refused = await refusal(
      attacker.auth.login({ username: ` ${owner.email.toUpperCase()}`, password: 'x' }),
    );
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    expect(toErrorResponse(refused)).toEqual({
      status: 429,
      body: { code: 'RATE_LIMITED', detail: 'Too many requests: try again later' },
      headers: { 'Retry-After': String(refused.retryAfterSeconds) },
    });
    // Even the right password waits: the attacker must not learn it was right.
    await refusal(attacker.auth.login({ username: owner.email, password: PASSWORD }));
    expect(events).toContainEqual({ type: 'rate_limited', procedure: 'auth.login' });

    const session = await from(deps, '198.51.100.2').auth.login({
      username: owner.username,
      password: PASSWORD,
    });
    expect(session.user.id).toBe(owner.id);
    // Another account from the attacker's IP is not affected.
    const other = await h.account('other1');
    await from(deps, '203.0.113.1').auth.login({ email: other.email, password: PASSWORD });
  });

  it('forgets an IP’s failures once it logs in, and does not count refusals that were not guesses', async () => {
    const { deps } = limitedDeps();
    const owner = await h.account('owner2');
    const me = from(deps, '198.51.100.3');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 2; i++)
        await errorCodeOf(me.auth.login({ username: owner.email, password: 'typo' }));
      await me.auth.login({ username: owner.email, password: PASSWORD });
    }
    // A deactivated account's right password is not a guess: it does not fill the bucket.
    await h.setColumns(owner.id, { isActive: false });
    for (let i = 0; i < 5; i++) {
      expect(await errorCodeOf(me.auth.login({ username: owner.email, password: PASSWORD }))).toBe(
        'ACCOUNT_DEACTIVATED',
      );
    }
    await h.setColumns(owner.id, { isActive: true });
    await me.auth.login({ username: owner.email, password: PASSWORD });
  });

  it('counts concurrent calls one by one (a batch of ten is ten attempts)', async () => {
    const { deps } = limitedDeps();
    const owner = await h.account('owner3');
    const attacker = from(deps, '203.0.113.4');
    const codes = await Promise.all(
      Array.from({ length: 10 }, () =>
        errorCodeOf(attacker.auth.login({ username: owner.email, password: 'x' })),
      ),
    );
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(3);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
  });

  it('caps failures across IPs, except from IPs the account logged in from recently', async () => {
    const { deps } = limitedDeps();
    const owner = await h.account('owner4');
    await from(deps, '198.51.100.5').auth.login({ username: owner.email, password: PASSWORD });
    for (const ip of ['203.0.113.10', '203.0.113.11']) {
      for (let i = 0; i < 3; i++)
        await errorCodeOf(from(deps, ip).auth.login({ username: owner.email, password: 'x' }));
    }
    // Six failures: a new IP is refused even with the right password…
    await refusal(from(deps, '203.0.113.12').auth.login({ username: owner.email, password: PASSWORD }));
    // …while the owner's usual IP still gets in.
    await from(deps, '198.51.100.5').auth.login({ username: owner.email, password: PASSWORD });
  });

  it('limits every call from one IP, whatever the account', async () => {
    const { deps } = limitedDeps(rateLimitTable('login.ip=2/1m'));
    const ip = from(deps, '203.0.113.20');
    for (const name of ['a@example.com', 'b@example.com'])
      await errorCodeOf(ip.auth.login({ username: name, password: 'x' }));
    const refused = await refusal(ip.auth.login({ username: 'c@example.com', password: 'x' }));
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});

describe('register', () => {
  it('limits registrations per email and per IP', async () => {
    const { deps, events } = limitedDeps();
    const ip = from(deps, '203.0.113.30');
    const body = { email: 'dup@example.com', username: 'dup1', password: PASSWORD };
    await ip.auth.register(body);
    expect(await errorCodeOf(ip.auth.register({ ...body, username: 'dup2' }))).toBe('USER_ALREADY_EXISTS');
    await refusal(from(deps, '203.0.113.31').auth.register({ ...body, email: ' DUP@example.com' }));
    await ip.auth.register({ email: 'x1@example.com', username: 'xx1', password: PASSWORD });
    await ip.auth.register({ email: 'x2@example.com', username: 'xx2', password: PASSWORD });
    await refusal(ip.auth.register({ email: 'x3@example.com', username: 'xx3', password: PASSWORD }));
    expect(events.filter((e) => e.type === 'rate_limited')).toEqual([
      { type: 'rate_limited', procedure: 'auth.register' },
      { type: 'rate_limited', procedure: 'auth.register' },
    ]);
  });
});

describe('rules for procedures to come', () => {
  const tokenInput = z.object({ token: z.string().optional(), refresh_token: z.string().optional() });
  const testRouter = router({
    refresh: publicProcedure
      .input(tokenInput)
      .use(rateLimit('refresh'))
      .mutation(() => 'ok'),
    reset: publicProcedure
      .input(tokenInput)
      .use(rateLimit('passwordReset'))
      .mutation(() => 'ok'),
    verify: publicProcedure
      .input(tokenInput)
      .use(rateLimit('verify'))
      .mutation(() => 'ok'),
    forgot: publicProcedure
      .input(z.object({ email: z.string() }))
      .use(rateLimit('passwordForgot'))
      .mutation(() => 'ok'),
    custom: publicProcedure
      .input(z.object({ code: z.string() }))
      .use(rateLimit('verify', { subject: (input) => (input as { code: string }).code }))
      .mutation(() => 'ok'),
  });
  const callers = createCallerFactory(testRouter);
  const table = rateLimitTable(
    'refresh.ip=100/1m,refresh.token=2/1m,passwordReset.token=1/1h,verify.ip=100/1h,verify.token=1/1h,passwordForgot.account=1/1h',
  );

  it('count per token or per account, as the input names it', async () => {
    const { deps } = limitedDeps(table);
    const c = callers(createContextInner({ deps, ip: '203.0.113.40' }));
    await c.refresh({ refresh_token: 'r1' });
    await c.refresh({ token: 'r1' });
    await refusal(c.refresh({ refresh_token: 'r1' }));
    await c.refresh({ refresh_token: 'r2' });
    await c.refresh({}); // no token: counted per IP only
    await c.refresh({});
    await c.refresh({});
    await c.reset({ token: 't1' });
    await refusal(c.reset({ token: 't1' }));
    await c.verify({ token: 't1' });
    await refusal(c.verify({ token: 't1' }));
    await c.forgot({ email: 'Someone@Example.com' });
    await refusal(c.forgot({ email: 'someone@example.com ' }));
    await c.custom({ code: 'c1' });
    await refusal(c.custom({ code: 'c1' }));
    await c.custom({ code: 'c2' });
  });

  it('limit nothing when disabled (the default for in-process callers)', async () => {
    const c = callers(createContextInner({ deps: h.deps, ip: '203.0.113.41' }));
    for (let i = 0; i < 5; i++) await c.reset({ token: 'same' });
    expect(h.deps.rateLimits.enabled).toBe(false);
  });
});

describe('on Redis', () => {
  it('shares the counters between instances using one prefix', async () => {
    const store: RateLimitStore = { kind: 'redis', client: redis, keyPrefix: PREFIX };
    const a = limitedDeps(TABLE, store).deps;
    const b = limitedDeps(TABLE, store).deps;
    const owner = await h.account('shared1');
    for (const deps of [a, b, a]) {
      await errorCodeOf(from(deps, '203.0.113.50').auth.login({ username: owner.email, password: 'x' }));
    }
    await refusal(from(b, '203.0.113.50').auth.login({ username: owner.email, password: PASSWORD }));
    expect((await redis.keys(`${PREFIX}rl:login:*`)).length).toBeGreaterThan(0);
    // A success through one instance resets the pair everywhere.
    await from(a, '203.0.113.51').auth.login({ username: owner.email, password: PASSWORD });
    await errorCodeOf(from(a, '203.0.113.51').auth.login({ username: owner.email, password: 'x' }));
    await from(b, '203.0.113.51').auth.login({ username: owner.email, password: PASSWORD });
  });

  it('counts in memory while Redis cannot be reached', async () => {
    const down = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    try {
      const { deps } = limitedDeps(TABLE, { kind: 'redis', client: down, keyPrefix: PREFIX });
      const owner = await h.account('insured1');
      for (let i = 0; i < 3; i++) {
        await errorCodeOf(from(deps, '203.0.113.60').auth.login({ username: owner.email, password: 'x' }));
      }
      await refusal(from(deps, '203.0.113.60').auth.login({ username: owner.email, password: PASSWORD }));
      await from(deps, '203.0.113.61').auth.login({ username: owner.email, password: PASSWORD });
    } finally {
      down.disconnect();
    }
  });
});
