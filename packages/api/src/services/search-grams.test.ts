import type { SqlEntityManager } from '@mikro-orm/knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedUsers } from '../test/admin.js';
import { createHarness, type Harness } from '../test/harness.js';
import { SearchGrams, termGrams } from './search-grams.js';

// Which trigram's postings a search walks: the one of its term's trigrams with the fewest postings, counted in the
// real table (kept by the migration's triggers) and remembered for a while.
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  // "ali" is in 12 accounts' text, "lic" in 4, "ice" in 4 (and "bob" in 3).
  await seedUsers(h, [
    ...Array.from({ length: 8 }, (_, i) => ({ email: `ali${i}@grams.test`, username: `ali${i}` })),
    ...Array.from({ length: 4 }, (_, i) => ({ email: `alice${i}@grams.test`, username: `alice${i}` })),
    ...Array.from({ length: 3 }, (_, i) => ({ email: `bob${i}@grams.test`, username: `bob${i}` })),
  ]);
});
afterAll(() => h.close());

const em = () => h.db.orm.em.fork() as SqlEntityManager;

/** The values of each count statement run through this EntityManager's read connection since the spy was set. */
function counted(manager: SqlEntityManager) {
  const execute = vi.spyOn(manager.getConnection('read'), 'execute');
  return {
    calls: () =>
      execute.mock.calls
        .filter(([sql]) => String(sql).includes('user_search_grams'))
        .map(([, values]) => values),
    restore: () => execute.mockRestore(),
  };
}

describe('termGrams', () => {
  it('cuts a term into its distinct trigrams by code point, in order', () => {
    expect(termGrams('alice')).toEqual(['ali', 'lic', 'ice']);
    expect(termGrams('aaaa')).toEqual(['aaa']);
    expect(termGrams('ab')).toEqual([]);
    expect(termGrams('a😀bc')).toEqual(['a😀b', '😀bc']);
  });
});

describe('SearchGrams.rarest', () => {
  it('picks the trigram with the fewest postings, the later one of equal counts', async () => {
    const grams = new SearchGrams();
    // ali: 12; lic and ice: 4 each, so the later, ice.
    expect(await grams.rarest(em(), termGrams('alice'))).toBe('ice');
    expect(await grams.rarest(em(), ['lic', 'ali'])).toBe('lic');
    // A trigram no account holds is the rarest of all.
    expect(await grams.rarest(em(), ['ali', 'zzz', 'bob'])).toBe('zzz');
  });

  it('counts only up to its cap: beyond it trigrams are equally common', async () => {
    const grams = new SearchGrams({ cap: 3 });
    expect(await grams.rarest(em(), ['lic', 'ali'])).toBe('ali');
    expect(await grams.rarest(em(), ['bob', 'ali'])).toBe('ali');
  });

  it('counts each trigram once while its count is believed, then again without making a search wait', async () => {
    let now = 0;
    const grams = new SearchGrams({ ttlMs: 1000, now: () => now });
    const manager = em();
    const counts = counted(manager);
    try {
      expect(await grams.rarest(manager, ['ali', 'bob'])).toBe('bob');
      expect(await grams.rarest(manager, ['bob', 'ali'])).toBe('bob');
      expect(counts.calls()).toEqual([['ali', 'bob']]);
      // A new trigram is counted alone.
      expect(await grams.rarest(manager, ['bob', 'zzy'])).toBe('zzy');
      expect(counts.calls()[1]).toEqual(['zzy']);
      // Ten more accounts hold "bob": believed unchanged until the count is a second old.
      await seedUsers(
        h,
        Array.from({ length: 10 }, (_, i) => ({ email: `bob${i + 3}@later.test`, username: `bob${i + 3}` })),
      );
      expect(await grams.rarest(manager, ['bob', 'ali'])).toBe('bob');
      // Then the old counts still answer while they are counted again, in the background.
      now = 1000;
      expect(await grams.rarest(manager, ['bob', 'ali'])).toBe('bob');
      await vi.waitFor(async () => expect(await grams.rarest(manager, ['bob', 'ali'])).toBe('ali'));
      expect(counts.calls()).toHaveLength(3);
    } finally {
      counts.restore();
    }
  });

  it('counts a trigram once for a burst of searches that need it', async () => {
    const grams = new SearchGrams();
    const manager = em();
    const counts = counted(manager);
    try {
      const picks = await Promise.all([
        grams.rarest(manager, ['ali', 'lic']),
        grams.rarest(manager, ['lic', 'ali']),
        grams.rarest(manager, ['ali', 'ice']),
      ]);
      expect(picks).toEqual(['lic', 'lic', 'ice']);
      expect(counts.calls()).toEqual([['ali', 'lic'], ['ice']]);
    } finally {
      counts.restore();
    }
  });

  it('counts at most a few trigrams of a long term, the first and the last among them', async () => {
    const grams = new SearchGrams({ maxProbed: 3 });
    const manager = em();
    const counts = counted(manager);
    try {
      await grams.rarest(manager, termGrams('abcdefghij'));
      expect(counts.calls()).toEqual([['abc', 'efg', 'hij']]);
    } finally {
      counts.restore();
    }
  });

  it('remembers a bounded number of counts, forgetting the oldest first', async () => {
    const grams = new SearchGrams({ maxEntries: 2 });
    const manager = em();
    await grams.rarest(manager, ['ali', 'lic', 'ice']);
    const counts = counted(manager);
    try {
      await grams.rarest(manager, ['lic', 'ice']);
      expect(counts.calls()).toEqual([]);
      await grams.rarest(manager, ['ali']);
      expect(counts.calls()).toEqual([['ali']]);
    } finally {
      counts.restore();
    }
  });
});
