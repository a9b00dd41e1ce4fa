import { describe, expect, it } from 'vitest';
import { AuthCache } from './auth-cache.js';
import { Flights } from './flights.js';
import { inputKey, ReadCache } from './read-cache.js';

/** A load the test finishes when it wants. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

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

describe('ReadCache.resolve: one read per key', () => {
  /** A read cache and a read that answers `answer(n)` (n counts the reads begun) once `open` is called. */
  function gatedRead(answer: (n: number) => { ok: boolean; data?: unknown }) {
    const auth = new AuthCache();
    const reads = new ReadCache(auth);
    const g = gate();
    const state = { reads: 0 };
    const read = async () => {
      const n = (state.reads += 1);
      await g.opened;
      return answer(n);
    };
    const key = reads.key('users.list', { id: 7, role: 'user' }, inputKey({}))!;
    return { auth, reads, read, key, open: g.open, state };
  }

  it('a burst of misses reads once and all answer what that read stored', async () => {
    const { reads, read, key, open, state } = gatedRead(() => ({ ok: true, data: ['ada', 'bob'] }));
    // All begun in the same tick, as the calls of a batch are.
    const burst = [reads.resolve(key, read), reads.resolve(key, read), reads.resolve(key, read)];
    open();
    const [first, ...others] = await Promise.all(burst);
    expect(state.reads).toBe(1);
    expect(first).toMatchObject({ result: { ok: true } });
    const answer = first && 'result' in first ? first.result.data : undefined;
    for (const other of others) expect(other).toEqual({ hit: { data: answer } });
    expect(others[0] && 'hit' in others[0] ? others[0].hit.data : undefined).toBe(answer);
  });

  it('a read that an invalidation overtook leaves the others to read for themselves', async () => {
    const { auth, reads, read, key, open, state } = gatedRead((n) => ({ ok: true, data: [`read ${n}`] }));
    const leader = reads.resolve(key, read);
    const before = reads.resolve(key, read);
    auth.invalidate({ users: [8] });
    // Begun after the invalidation: it does not wait for a read whose answer will not be stored.
    const after = reads.resolve(key, read);
    expect(state.reads).toBe(2);
    open();
    await Promise.all([leader, after]);
    // Begun before it: it waited, and the overtaken read stored nothing; it is answered what the read begun after
    // the invalidation stored, never the overtaken read's answer.
    await expect(before).resolves.toEqual({ hit: { data: ['read 2'] } });
    expect(state.reads).toBe(2);
  });

  it('a failed read stores nothing and its waiters read for themselves', async () => {
    const { reads, read, key, open } = gatedRead((n) =>
      n === 1 ? { ok: false } : { ok: true, data: 'second' },
    );
    const leader = reads.resolve(key, read);
    const waiter = reads.resolve(key, read);
    open();
    await expect(leader).resolves.toEqual({ result: { ok: false } });
    await expect(waiter).resolves.toEqual({ result: { ok: true, data: 'second' } });
  });
});
