import { describe, expect, it } from 'vitest';
import { AuthCache, type Invalidation } from './auth-cache.js';
import { inputKey, ReadCache, restInputKey } from './read-cache.js';

const caller = { id: 7, role: 'user' };

/** A bus whose health the test decides. */
function bus(): Invalidation & { up: boolean } {
  return {
    up: true,
    publish: () => Promise.resolve(),
    subscribe: () => undefined,
    healthy() {
      return this.up;
    },
  };
}

describe('ReadCache', () => {
  it('keys a call by procedure, caller, role and input, and not a long input', () => {
    const reads = new ReadCache(new AuthCache());
    const key = reads.key('users.byId', caller, inputKey({ id: 1 }));
    expect(key).not.toBe(reads.key('users.byId', { id: 8, role: 'user' }, inputKey({ id: 1 })));
    expect(key).not.toBe(reads.key('users.byId', { id: 7, role: 'admin' }, inputKey({ id: 1 })));
    expect(key).not.toBe(reads.key('users.byId', caller, inputKey({ id: 2 })));
    expect(key).not.toBe(reads.key('users.list', caller, inputKey({ id: 1 })));
    expect(reads.key('users.list', caller, inputKey(undefined))).toBe(
      reads.key('users.list', caller, inputKey(undefined)),
    );
    expect(reads.key('users.list', caller, inputKey({ q: 'x'.repeat(600) }))).toBeUndefined();
  });

  it('names a REST call by its URL, never as any tRPC input', () => {
    const reads = new ReadCache(new AuthCache());
    const rest = reads.key('users.list', caller, restInputKey('/users?limit=20'));
    expect(rest).not.toBe(reads.key('users.list', caller, restInputKey('/users?limit=21')));
    for (const input of [undefined, '/users?limit=20', 'rest /users?limit=20', { limit: 20 }]) {
      expect(rest).not.toBe(reads.key('users.list', caller, inputKey(input)));
    }
  });

  it('serializes a stored answer once, and only while it is believed', () => {
    const auth = new AuthCache();
    const reads = new ReadCache(auth);
    const key = reads.key('users.byId', caller, inputKey({ id: 1 }))!;
    expect(reads.json(key)).toBeUndefined();
    reads.set(key, reads.mark(), { id: 1, created_at: '2026-01-01T00:00:00.000Z' });
    const json = reads.json(key);
    expect(json).toBe('{"id":1,"created_at":"2026-01-01T00:00:00.000Z"}');
    expect(reads.json(key)).toBe(json);
    // tRPC's envelope around the same JSON, made once too.
    const envelope = reads.json(key, 'trpc');
    expect(envelope).toBe(`{"result":{"data":${json}}}`);
    expect(reads.json(key, 'trpc')).toBe(envelope);
    auth.invalidate({ sessions: ['s'] });
    expect(reads.json(key)).toBeUndefined();
    expect(reads.json(key, 'trpc')).toBeUndefined();
  });

  it('answers what it stored until anything is invalidated', () => {
    const auth = new AuthCache();
    const reads = new ReadCache(auth);
    const key = reads.key('users.byId', caller, inputKey({ id: 1 }))!;
    reads.set(key, reads.mark(), { id: 1, bio: 'old' });
    expect(reads.get(key)).toEqual({ data: { id: 1, bio: 'old' } });
    auth.invalidate({ users: [99] });
    expect(reads.get(key)).toBeUndefined();
    expect(reads.size).toBe(0);
  });

  it('never stores a read that an invalidation overtook', () => {
    const auth = new AuthCache();
    const reads = new ReadCache(auth);
    const key = reads.key('users.list', caller, inputKey({}))!;
    const mark = reads.mark();
    auth.invalidate({ sessions: ['s'] });
    reads.set(key, mark, ['stale']);
    expect(reads.get(key)).toBeUndefined();
    reads.set(key, reads.mark(), ['fresh']);
    expect(reads.get(key)).toEqual({ data: ['fresh'] });
  });

  it('believes an answer no longer than the auth cache believes a session', () => {
    let now = 1_000;
    const auth = new AuthCache({ ttlMs: 100, now: () => now });
    const reads = new ReadCache(auth, { now: () => now });
    const key = reads.key('users.byId', caller, inputKey({ id: 1 }))!;
    reads.set(key, reads.mark(), 'answer');
    now += 99;
    expect(reads.get(key)).toEqual({ data: 'answer' });
    now += 1;
    expect(reads.get(key)).toBeUndefined();
  });

  it('is off with the auth cache off, and bypassed while the bus is down', () => {
    const off = new ReadCache(new AuthCache({ ttlMs: 0 }));
    off.set('k', off.mark(), 'answer');
    expect(off.get('k')).toBeUndefined();

    const down = bus();
    const reads = new ReadCache(new AuthCache({ bus: down }));
    reads.set('k', reads.mark(), 'answer');
    down.up = false;
    expect(reads.get('k')).toBeUndefined();
    reads.set('k', reads.mark(), 'answer');
    expect(reads.size).toBe(0);
    // Back up: the auth cache started over, and so does every answer stored before.
    down.up = true;
    expect(reads.get('k')).toBeUndefined();
  });

  it('keeps at most maxEntries answers, forgetting the oldest first', () => {
    const reads = new ReadCache(new AuthCache(), { maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) reads.set(key, reads.mark(), key);
    expect(reads.size).toBe(2);
    expect(reads.get('a')).toBeUndefined();
    expect(reads.get('c')).toEqual({ data: 'c' });
  });
});
