import type { SqlEntityManager } from '@mikro-orm/knex';
import { foldSearch } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '@roster/testing';
import { searchText } from '../services/admin-list.js';
import { seededAccount, seedUsers, walkPages, type Seed } from '../test/admin.js';
import { createHarness, errorCodeOf, type Account, type Harness } from '../test/harness.js';

// A search of three characters or more first tests the next 500 rows of the sort order (a common term fills its
// page there), and otherwise takes its candidates from the trigram index (PostgreSQL: one index over the searched
// columns; SQLite: FTS5). With more rows than that window, a term's matches lie partly inside it and partly beyond:
// every page, through to the last, must be exactly what the LIKE conditions alone give, in the listing's order.
let h: Harness;
let boss: Account;
const N = 640;
const BASE = Date.parse('2025-01-01T00:00:00.000Z');
const MINUTE = 60_000;

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  // Walkers 0..N-1, newer as i grows (tied in pairs): "walk1" matches 1, 10–19 and 100–199, so newest first its
  // matches start inside the window (199 down to 140) and go on beyond it. Every 7th username has an underscore,
  // every 9th a "%" in its full name, every 5th no full name; roles, status and last logins vary.
  const seeds: Seed[] = Array.from({ length: N }, (_, i) => ({
    email: `walk${i}@window.test`,
    username: i % 7 === 0 ? `walk_${i}` : `Walk${i}`,
    fullName: i % 5 === 0 ? null : i % 9 === 0 ? `Walker ${i}% Ärger` : `Walker ${i} Ärger`,
    role: i % 11 === 0 ? 'admin' : 'user',
    isActive: i % 13 !== 0,
    createdAt: new Date(BASE + Math.floor(i / 2) * MINUTE),
    lastLoginAt: i % 4 === 0 ? null : new Date(BASE + (i % 17) * MINUTE),
  }));
  for (let i = 0; i < N; i += 200) await seedUsers(h, seeds.slice(i, i + 200));
});
afterAll(() => h.close());

type Sort = 'created_at' | 'email' | 'username' | 'last_login_at';
type Order = 'asc' | 'desc';
interface Filters {
  role?: 'admin' | 'user';
  is_active?: 'true' | 'false';
}

/** The ids the LIKE conditions (and filters) match, in the listing's order: what a search must answer. */
async function likeIds(q: string, sort: Sort, order: Order, filters: Filters = {}): Promise<number[]> {
  const p = `%${foldSearch(q).replace(/[!%_]/g, '!$&')}%`;
  const where = [
    `(email like ? escape '!' or lower(username) like ? escape '!' or full_name_folded like ? escape '!')`,
  ];
  const params: unknown[] = [p, p, p];
  if (filters.role) {
    where.push('role = ?');
    params.push(filters.role);
  }
  if (filters.is_active) {
    where.push('is_active = ?');
    params.push(filters.is_active === 'true');
  }
  const rows = await h.db.orm.em
    .fork()
    .getConnection()
    .execute<{ id: number }[]>(
      `select id from users where ${where.join(' and ')} ` +
        `order by ${sort} ${order} nulls last, id ${order}`,
      params,
    );
  return rows.map((r: { id: number }) => r.id);
}

async function searchIds(q: string, sort: Sort, order: Order, limit: number, filters: Filters = {}) {
  const { ids, pages } = await walkPages(
    (cursor) =>
      h
        .caller(boss.token)
        .admin.listUsers({ q, sort, order, limit, ...filters, ...(cursor ? { cursor } : {}) }),
    1000,
  );
  return { ids, pages: pages.length };
}

describe('admin search beyond the window of the next rows', () => {
  it.each([
    'walk1',
    'WALK1',
    'walk6',
    'ärger',
    'ÄRGER',
    'er 1',
    'walk63',
    'walk639',
    'k_',
    'k_1',
    '1%',
    '% ä',
    'k1',
    'no such walker',
  ])('%j, newest first, pages of 7 and of 100, is exactly what LIKE matches', async (q) => {
    const expected = await likeIds(q, 'created_at', 'desc');
    for (const limit of [7, 100]) {
      const { ids, pages } = await searchIds(q, 'created_at', 'desc', limit);
      expect(ids).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
    }
  });

  it('the terms above cover a window that fills a page, one that does not, and rare and absent terms', async () => {
    expect((await likeIds('walk1', 'created_at', 'desc')).length).toBe(111);
    expect((await likeIds('ärger', 'created_at', 'desc')).length).toBe(N - N / 5);
    expect(await likeIds('walk639', 'created_at', 'desc')).toHaveLength(1);
    // "_" is itself: walk_14, walk_105 … walk_196, never walk1.
    expect(await likeIds('k_1', 'created_at', 'desc')).toHaveLength(15);
    expect(await likeIds('no such walker', 'created_at', 'desc')).toHaveLength(0);
    expect((await likeIds('k_', 'created_at', 'desc')).length).toBe(Math.ceil(N / 7));
  });

  for (const sort of ['created_at', 'email', 'username', 'last_login_at'] as const) {
    for (const order of ['asc', 'desc'] as const) {
      it(`walk1 and ärger sorted by ${sort} ${order}, with filters, page by page`, async () => {
        for (const q of ['walk1', 'ärger']) {
          expect((await searchIds(q, sort, order, 50)).ids).toEqual(await likeIds(q, sort, order));
        }
        const filters = [
          { role: 'admin' },
          { is_active: 'false' },
          { role: 'user', is_active: 'true' },
        ] as const;
        for (const f of filters) {
          expect((await searchIds('walk1', sort, order, 9, f)).ids).toEqual(
            await likeIds('walk1', sort, order, f),
          );
        }
      });
    }
  }

  it('refuses an empty term', async () => {
    for (const q of ['', '   ']) {
      expect(await errorCodeOf(h.caller(boss.token).admin.listUsers({ q }))).toBe('VALIDATION_ERROR');
    }
  });
});

describe.skipIf(testDatabaseKind() !== 'postgresql')('the PostgreSQL search index', () => {
  it('is the one the search condition can use (its expression is the same text)', async () => {
    const em = h.db.orm.em.fork() as SqlEntityManager;
    const plan = await em.transactional(async (tx) => {
      // Few rows: the planner would scan the table; without that choice it must find the index for the condition.
      await (tx as SqlEntityManager).execute('set local enable_seqscan = off');
      return (tx as SqlEntityManager).execute<{ 'QUERY PLAN': string }[]>(
        `explain select u.id from users as u where ${searchText('u')} like ? escape '!'`,
        ['%walk1%'],
      );
    });
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('users_search_text_trgm_index');
  });
});
