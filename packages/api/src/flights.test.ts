import { describe, expect, it } from 'vitest';
import { AuthCache, type SessionSnapshot, type UserSnapshot } from './auth-cache.js';
import { Flights } from './flights.js';
import { ReadCache } from './read-cache.js';

/** A load the test finishes when it wants. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const at = new Date('2026-01-01T00:00:00Z');
const user: UserSnapshot = {
  id: 7,
  email: 'u7@example.com',
  username: 'u7',
  fullName: null,
  bio: null,
  role: 'user',
  isActive: true,
  isVerified: false,
  createdAt: at,
  updatedAt: at,
  lastLoginAt: null,
  version: 1,
};
const session: SessionSnapshot = {
  id: 'sid-7',
  userId: 7,
  createdAt: at,
  lastUsedAt: at,
  expiresAt: new Date(at.getTime() + 86_400_000),
};
const claims = { sessionId: 'sid-7', userId: 7 };

describe('Flights', () => {
  it('hands a running load to the others, and nothing once it has finished', async () => {
    const flights = new Flights();
    const g = gate();
    const leader = flights.run('k', 0, async () => {
      await g.opened;
      return 'answer';
    });
    const running = flights.wait('k', () => true);
    expect(running).toBeInstanceOf(Promise);
    expect(flights.wait('other', () => true)).toBeUndefined();
    // A second load of the same key meanwhile just runs.
    await expect(flights.run('k', 0, () => Promise.resolve('own'))).resolves.toBe('own');
    g.open();
    await expect(leader).resolves.toBe('answer');
    await expect(running).resolves.toBeUndefined();
    expect(flights.wait('k', () => true)).toBeUndefined();
    expect(flights.size).toBe(0);
  });

  it('does not hand out a load that something was invalidated since', async () => {
    const flights = new Flights();
    const g = gate();
    const leader = flights.run('k', 3, () => g.opened);
    expect(flights.wait('k', (mark) => mark === 4)).toBeUndefined();
    expect(flights.wait('k', (mark) => mark === 3)).toBeDefined();
    g.open();
    await leader;
  });

  it('releases the waiters of a load that failed, and keeps its error for its own request', async () => {
    const flights = new Flights();
    const g = gate();
    const leader = flights.run('k', 0, async () => {
      await g.opened;
      throw new Error('database went away');
    });
    const running = flights.wait('k', () => true)!;
    g.open();
    await expect(leader).rejects.toThrow('database went away');
    await expect(running).resolves.toBeUndefined();
    expect(flights.size).toBe(0);
  });
});

describe('the caches wait for a load under way instead of loading again', () => {
  it('ReadCache: a burst of misses reads once and all answer what that read stored', async () => {
    const reads = new ReadCache(new AuthCache());
    const key = reads.key('users.list', { id: 7, role: 'user' }, {})!;
    const g = gate();
    let readsRun = 0;
    const read = async () => {
      readsRun += 1;
      await g.opened;
      return { ok: true, data: ['ada', 'bob'] };
    };
    // All begun in the same tick, as the calls of a batch are.
    const burst = [reads.resolve(key, read), reads.resolve(key, read), reads.resolve(key, read)];
    g.open();
    const [first, ...others] = await Promise.all(burst);
    expect(readsRun).toBe(1);
    expect(first).toMatchObject({ result: { ok: true } });
    const answer = first && 'result' in first ? first.result.data : undefined;
    for (const other of others) expect(other).toEqual({ hit: { data: answer } });
    expect(others[0] && 'hit' in others[0] ? others[0].hit.data : undefined).toBe(answer);
  });

  it('ReadCache: a read that an invalidation overtook leaves the others to read for themselves', async () => {
    const auth = new AuthCache();
    const reads = new ReadCache(auth);
    const key = reads.key('users.list', { id: 7, role: 'user' }, {})!;
    const g = gate();
    let readsRun = 0;
    const read = async () => {
      readsRun += 1;
      await g.opened;
      return { ok: true, data: [`read ${readsRun}`] };
    };
    const leader = reads.resolve(key, read);
    const before = reads.resolve(key, read);
    auth.invalidate({ users: [8] });
    // Begun after the invalidation: it does not wait for a read whose answer will not be stored.
    const after = reads.resolve(key, read);
    expect(readsRun).toBe(2);
    g.open();
    await Promise.all([leader, after]);
    // Begun before it: it waited, and the overtaken read stored nothing; it is answered what the read begun after
    // the invalidation stored, never the overtaken read's answer.
    await expect(before).resolves.toEqual({ hit: { data: ['read 2'] } });
    expect(readsRun).toBe(2);
  });

  it('ReadCache: a failed read stores nothing and its waiters read for themselves', async () => {
    const reads = new ReadCache(new AuthCache());
    const g = gate();
    let readsRun = 0;
    const read = async () => {
      readsRun += 1;
      await g.opened;
      return readsRun === 1 ? { ok: false } : { ok: true, data: 'second' };
    };
    const leader = reads.resolve('k', read);
    const waiter = reads.resolve('k', read);
    g.open();
    await expect(leader).resolves.toEqual({ result: { ok: false } });
    await expect(waiter).resolves.toEqual({ result: { ok: true, data: 'second' } });
  });

  it('AuthCache: requests that miss while the same session loads wait for it, then use what it stored', async () => {
    const auth = new AuthCache({ now: () => at.getTime() });
    const g = gate();
    let loads = 0;
    const load = async (mark: number) => {
      loads += 1;
      await g.opened;
      auth.set(user, session, mark);
      return 'loaded';
    };
    const burst = [auth.resolve(claims, load), auth.resolve(claims, load), auth.resolve(claims, load)];
    // Another session's miss does not wait.
    const other = auth.resolve({ sessionId: 'sid-8', userId: 8 }, () => Promise.resolve('other'));
    await expect(other).resolves.toEqual({ loaded: 'other' });
    g.open();
    const [first, ...others] = await Promise.all(burst);
    expect(loads).toBe(1);
    expect(first).toEqual({ loaded: 'loaded' });
    for (const waited of others) {
      expect(waited).toMatchObject({ found: { entry: { user: { id: 7 } }, state: 'live' } });
    }
  });

  it('AuthCache: a load overtaken by a revocation leaves its waiters to load (and be refused) themselves', async () => {
    const auth = new AuthCache({ now: () => at.getTime() });
    const g = gate();
    let loads = 0;
    const load = async (mark: number) => {
      loads += 1;
      await g.opened;
      auth.set(user, session, mark);
      return `load ${loads}`;
    };
    const leader = auth.resolve(claims, load);
    const waiter = auth.resolve(claims, load);
    auth.invalidate({ sessions: [session.id] });
    g.open();
    await leader;
    // The leader's entry was refused (the session was revoked meanwhile): the waiter loaded for itself.
    await expect(waiter).resolves.toEqual({ loaded: 'load 2' });
    expect(loads).toBe(2);
  });
});
