import type { SqlEntityManager } from '@mikro-orm/knex';
import { testDatabaseKind } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adminListInput } from '../schemas/admin.js';
import { likeIds as likeIdsOf, seedUsers, type Seed } from '../test/admin.js';
import { createHarness, type Harness } from '../test/harness.js';
import { listUserPage } from './admin-list.js';
import { SearchGrams, termGrams } from './search-grams.js';

// A search in creation order walks the postings of one of its term's trigrams (user_search_grams, in (created_at, id)
// order) and tests each account with LIKE; when the walk does not hold a page, the trigram index's candidates are
// ordered instead. Here the walk is made short (a few postings) and long, and every page, through to the last, must
// be exactly what the LIKE conditions alone give, whichever way it was found.
let h: Harness;
const N = 300;
const BASE = Date.parse('2025-01-01T00:00:00.000Z');
const MINUTE = 60_000;

beforeAll(async () => {
  h = await createHarness();
  // Members 0..N-1, newer as i grows (tied in threes). "team2" matches 2, 20–29 and 200–299: newest first, a dense
  // run at the start; "team1" (1, 10–19, 100–199) only after a hundred newer members without it.
  const seeds: Seed[] = Array.from({ length: N }, (_, i) => ({
    email: `team${i}@grams.test`,
    username: `Member${i}`,
    fullName: i % 4 === 0 ? null : `Team Player ${i}`,
    role: i % 5 === 0 ? 'admin' : 'user',
    isActive: i % 6 !== 0,
    createdAt: new Date(BASE + Math.floor(i / 3) * MINUTE),
  }));
  await seedUsers(h, seeds);
});
afterAll(() => h.close());

/** What a caller sends (before the schema's defaults and coercions). */
type Query = Record<string, string | number>;

const likeIds = (q: string, order: 'asc' | 'desc', where = '', params: unknown[] = []) =>
  likeIdsOf(h, q, { order, where, params });

async function allPages(grams: SearchGrams, input: Query): Promise<{ ids: number[]; pages: number }> {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const em = h.db.orm.em.fork() as SqlEntityManager;
    const page = await listUserPage(
      em,
      adminListInput.parse({ ...input, ...(cursor ? { cursor } : {}) }),
      grams,
    );
    ids.push(...page.items.map((u) => u.id));
    if (!page.nextCursor) return { ids, pages };
    cursor = page.nextCursor;
  }
}

describe('admin search in creation order, through the postings of a trigram', () => {
  it.each([
    ['team2', 3],
    ['team1', 3],
    ['team2', 50],
    ['team1', 50],
    ['player 1', 4],
    ['member29', 2],
    ['ember', 7],
    ['no such member', 5],
  ])('%j, walking %i postings: every page in both orders is what LIKE matches', async (q, walk) => {
    const grams = new SearchGrams({ walk });
    for (const order of ['desc', 'asc'] as const) {
      const expected = await likeIds(q, order);
      for (const limit of [1, 6, 100]) {
        const { ids, pages } = await allPages(grams, { q, order, limit });
        expect(ids).toEqual(expected);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
      }
    }
  });

  it('with filters and a creation window, walked and not', async () => {
    const after = new Date(BASE + 20 * MINUTE).toISOString();
    const before = new Date(BASE + 80 * MINUTE).toISOString();
    for (const walk of [2, 1000]) {
      const grams = new SearchGrams({ walk });
      const cases: [Query, string, unknown[]][] = [
        [{ role: 'admin' }, ' and role = ?', ['admin']],
        [{ is_active: 'false' }, ' and is_active = ?', [false]],
        [
          { created_after: after, created_before: before },
          ' and created_at >= ? and created_at < ?',
          [new Date(after), new Date(before)],
        ],
      ];
      for (const [filter, where, params] of cases) {
        for (const q of ['team2', 'team1', 'player']) {
          expect((await allPages(grams, { ...filter, q, limit: 4 })).ids).toEqual(
            await likeIds(q, 'desc', where, params),
          );
        }
      }
    }
  });

  it('a term dense among the newest accounts is answered by the walk alone', async () => {
    const grams = new SearchGrams();
    const em = h.db.orm.em.fork() as SqlEntityManager;
    await grams.rarest(em, termGrams('team2'));
    const expected = (await likeIds('team2', 'desc')).slice(0, 10);
    const execute = vi.spyOn(em.getConnection('read'), 'execute');
    try {
      const page = await listUserPage(em, adminListInput.parse({ q: 'team2', limit: 10 }), grams);
      expect(page.items.map((u) => u.id)).toEqual(expected);
      const statements = execute.mock.calls.map(([sql]) => String(sql));
      expect(statements.filter((sql) => sql.includes('users_search') || sql.includes('like'))).toEqual([
        expect.stringContaining('from user_search_grams as w'),
      ]);
    } finally {
      execute.mockRestore();
    }
  });
});

describe.skipIf(testDatabaseKind() !== 'sqlite')('the walk on SQLite', () => {
  it('is streamed along the postings index and stops at a page: nothing materialized, nothing sorted', async () => {
    const grams = new SearchGrams({ walk: 50 });
    const em = h.db.orm.em.fork() as SqlEntityManager;
    const execute = vi.spyOn(em.getConnection('read'), 'execute');
    try {
      for (const order of ['desc', 'asc'] as const) {
        await listUserPage(em, adminListInput.parse({ q: 'team2', limit: 10, order }), grams);
        const call = execute.mock.calls.find(([sql]) => String(sql).includes('from user_search_grams as w'));
        execute.mockClear();
        const plan = await em.execute<{ detail: string }[]>(
          `explain query plan ${String(call?.[0])}`,
          (call?.[1] ?? []) as unknown[],
        );
        const steps = plan.map((row) => row.detail);
        expect(steps.join('\n')).not.toMatch(/MATERIALIZE|TEMP B-TREE/);
        expect(steps).toContainEqual(
          expect.stringMatching(/^SEARCH w USING PRIMARY KEY \(gram=\? AND created_at/),
        );
      }
    } finally {
      execute.mockRestore();
    }
  });
});
