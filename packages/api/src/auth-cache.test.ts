import { describe, expect, it } from 'vitest';
import {
  AuthCache,
  type Invalidation,
  type InvalidationMessage,
  type SessionSnapshot,
  type UserSnapshot,
} from './auth-cache.js';
import { AppError, toErrorResponse } from './errors.js';

const at = new Date('2026-01-01T00:00:00Z');
const user = (id: number): UserSnapshot => ({
  id,
  email: `u${id}@example.com`,
  username: `u${id}`,
  fullName: null,
  bio: null,
  role: 'user',
  isActive: true,
  isVerified: false,
  createdAt: at,
  updatedAt: at,
  lastLoginAt: null,
  version: 1,
});
const session = (id: string, userId: number): SessionSnapshot => ({
  id,
  userId,
  createdAt: at,
  lastUsedAt: at,
  expiresAt: new Date(at.getTime() + 86_400_000),
});

/** An in-memory bus: what is published reaches every subscriber, like Redis pub/sub does. */
function memoryBus(): Invalidation & { sent: InvalidationMessage[]; up: boolean } {
  const listeners: ((m: InvalidationMessage) => void)[] = [];
  return {
    sent: [],
    up: true,
    publish(message) {
      this.sent.push(message);
      for (const listener of listeners) listener(message);
      return Promise.resolve();
    },
    subscribe: (listener) => void listeners.push(listener),
    healthy() {
      return this.up;
    },
  };
}

describe('AuthCache', () => {
  it('believes an entry for its TTL only', () => {
    let now = 1_000;
    const cache = new AuthCache({ ttlMs: 100, now: () => now });
    expect(cache.set(user(1), session('s1', 1), cache.mark())).toBe(true);
    expect(cache.get('s1')?.user.id).toBe(1);
    now += 99;
    expect(cache.get('s1')).toBeDefined();
    now += 1;
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forgets every session of a user, or one session', () => {
    const cache = new AuthCache();
    const mark = cache.mark();
    cache.set(user(1), session('a', 1), mark);
    cache.set(user(1), session('b', 1), mark);
    cache.set(user(2), session('c', 2), mark);
    cache.invalidate({ users: [1] });
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, undefined]);
    expect(cache.get('c')).toBeDefined();
    cache.invalidate({ sessions: ['c'] });
    expect(cache.get('c')).toBeUndefined();
  });

  it('refuses a load that started before an invalidation of what it read', () => {
    const cache = new AuthCache();
    const before = cache.mark();
    cache.invalidate({ users: [1] });
    expect(cache.set(user(1), session('a', 1), before)).toBe(false);
    cache.invalidate({ sessions: ['b'] });
    expect(cache.set(user(2), session('b', 2), before)).toBe(false);
    // Others were not touched by those invalidations.
    expect(cache.set(user(3), session('c', 3), before)).toBe(true);
    expect(cache.set(user(1), session('a', 1), cache.mark())).toBe(true);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = new AuthCache({ maxEntries: 2 });
    for (const id of [1, 2, 3]) cache.set(user(id), session(`s${id}`, id), cache.mark());
    expect(cache.size).toBe(2);
    expect(cache.get('s1')).toBeUndefined();
    expect(cache.get('s3')).toBeDefined();
  });

  it('remembers a bounded number of invalidations, refusing loads older than the ones it forgot', () => {
    const cache = new AuthCache();
    const old = cache.mark();
    for (let id = 0; id <= 10_000; id++) cache.invalidate({ users: [100_000 + id] });
    expect(cache.set(user(1), session('a', 1), old)).toBe(false);
    expect(cache.set(user(1), session('a', 1), cache.mark())).toBe(true);
  });

  it('is off with a TTL of 0, and still announces changes', async () => {
    const bus = memoryBus();
    const cache = new AuthCache({ ttlMs: 0, bus });
    expect(cache.set(user(1), session('a', 1), cache.mark())).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    await cache.scope(async () => cache.changed({ users: [1] }));
    expect(bus.sent).toEqual([{ users: [1], sessions: [] }]);
  });

  it('is bypassed while the bus is down, and starts over when it is back', () => {
    const bus = memoryBus();
    const cache = new AuthCache({ bus });
    cache.set(user(1), session('a', 1), cache.mark());
    bus.up = false;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.set(user(2), session('b', 2), cache.mark())).toBe(false);
    bus.up = true;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.set(user(1), session('a', 1), cache.mark())).toBe(true);
  });

  it('announces a scope’s changes once, after its work, and forgets them again then', async () => {
    const bus = memoryBus();
    const cache = new AuthCache({ bus });
    const stale = cache.mark();
    await cache.scope(async () => {
      cache.changed({ users: [1] });
      cache.changed({ users: [1], sessions: ['x'] });
      // Nested scopes (a batch, a caller inside a procedure) belong to the outer one.
      await cache.scope(async () => cache.changed({ sessions: ['y'] }));
      expect(bus.sent).toEqual([]);
      // A slower read of the old rows, finishing inside the scope, must not survive it.
      cache.set(user(1), session('a', 1), cache.mark());
    });
    expect(bus.sent).toEqual([{ users: [1], sessions: ['x', 'y'] }]);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.set(user(1), session('a', 1), stale)).toBe(false);
  });

  it('announces at once outside a scope, and a scope without changes announces nothing', async () => {
    const bus = memoryBus();
    const cache = new AuthCache({ bus });
    await cache.scope(() => Promise.resolve(1));
    expect(bus.sent).toEqual([]);
    cache.changed({ sessions: ['s'] });
    expect(bus.sent).toEqual([{ sessions: ['s'] }]);
  });

  it('hears other instances through the bus', () => {
    const bus = memoryBus();
    const a = new AuthCache({ bus });
    const b = new AuthCache({ bus });
    b.set(user(1), session('s', 1), b.mark());
    a.changed({ users: [1] });
    expect(b.get('s')).toBeUndefined();
  });

  it('fails a scope whose changes the bus could not confirm, having forgotten them here', async () => {
    const cache = new AuthCache({
      bus: { publish: () => Promise.reject(new Error('down')), subscribe: () => undefined },
    });
    cache.set(user(1), session('s', 1), cache.mark());
    const failed = await cache.scope(async () => cache.changed({ users: [1] })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AppError);
    expect(toErrorResponse(failed)).toMatchObject({
      status: 503,
      body: { code: 'INVALIDATION_UNCONFIRMED' },
    });
    expect(cache.get('s')).toBeUndefined();
    // Outside a scope (background work) the failure is not anyone's answer: it is swallowed.
    expect(cache.changed({ users: [2] })).toBeUndefined();
    // A scope without changes publishes nothing, so it cannot fail.
    await expect(cache.scope(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it("keeps a failed scope's own error, and still announces what it changed", async () => {
    const published: unknown[] = [];
    const cache = new AuthCache({
      bus: {
        publish: (m) => (published.push(m), Promise.reject(new Error('down'))),
        subscribe: () => undefined,
      },
    });
    const boom = new Error('boom');
    const failed = await cache
      .scope(async () => {
        cache.changed({ sessions: ['x'] });
        throw boom;
      })
      .catch((e: unknown) => e);
    expect(failed).toBe(boom);
    expect(published).toEqual([{ users: [], sessions: ['x'] }]);
  });

  it('announces a new account but never fails its request for it, nor waits on a bus that is down', async () => {
    const sent: InvalidationMessage[] = [];
    let up = true;
    let settle: (() => void) | undefined;
    const cache = new AuthCache({
      bus: {
        publish: (message) => {
          sent.push(message);
          return up ? Promise.reject(new Error('unconfirmed')) : new Promise<void>((r) => (settle = r));
        },
        subscribe: () => undefined,
        healthy: () => up,
      },
    });
    const mark = cache.mark();
    // The bus is up but cannot confirm: the request still succeeds, and its reads were overtaken.
    await expect(cache.scope(async () => cache.created(5))).resolves.toBeUndefined();
    expect(sent).toEqual([{ users: [5] }]);
    expect(cache.unchangedSince(mark)).toBe(false);
    // The bus is down: the request answers without waiting for the message.
    up = false;
    await expect(cache.scope(async () => cache.created(6))).resolves.toBeUndefined();
    expect(sent).toEqual([{ users: [5] }, { users: [6] }]);
    settle?.();
    // Beside a change that must be confirmed, the account rides in the one message, and the failure is the change's.
    up = true;
    const failed = await cache
      .scope(async () => {
        cache.created(7);
        cache.changed({ users: [1] });
      })
      .catch((e: unknown) => e);
    expect(toErrorResponse(failed).body.code).toBe('INVALIDATION_UNCONFIRMED');
    expect(sent.at(-1)).toEqual({ users: [1, 7], sessions: [] });
  });
});

describe('AuthCache.resolve: one load per session (flights.ts)', () => {
  /** A cache at a fixed time, and a load of session s7 that stores what it read once `open` is called. */
  function gated() {
    const cache = new AuthCache({ now: () => at.getTime() });
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const state = { loads: 0 };
    const load = async (mark: number) => {
      state.loads += 1;
      const n = state.loads;
      await opened;
      cache.set(user(7), session('s7', 7), mark);
      return `load ${n}`;
    };
    return { cache, load, open, state };
  }
  const claims = { sessionId: 's7', userId: 7 };

  it('has the requests that miss while the session loads wait for it, then use what it stored', async () => {
    const { cache, load, open, state } = gated();
    const burst = [cache.resolve(claims, load), cache.resolve(claims, load), cache.resolve(claims, load)];
    // Another session's miss does not wait.
    const other = cache.resolve({ sessionId: 's8', userId: 8 }, () => Promise.resolve('other'));
    await expect(other).resolves.toEqual({ loaded: 'other' });
    open();
    const [first, ...others] = await Promise.all(burst);
    expect(state.loads).toBe(1);
    expect(first).toEqual({ loaded: 'load 1' });
    for (const waited of others) {
      expect(waited).toMatchObject({ found: { entry: { user: { id: 7 } }, state: 'live' } });
    }
  });

  it('leaves the waiters of a load that a revocation overtook to load (and be refused) themselves', async () => {
    const { cache, load, open, state } = gated();
    const leader = cache.resolve(claims, load);
    const waiter = cache.resolve(claims, load);
    cache.invalidate({ sessions: ['s7'] });
    open();
    await leader;
    // The leader's entry was refused (the session was revoked meanwhile): the waiter loaded for itself.
    await expect(waiter).resolves.toEqual({ loaded: 'load 2' });
    expect(state.loads).toBe(2);
  });
});
