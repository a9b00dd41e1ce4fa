import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { likeIds as likeIdsOf, seededAccount, seedUsers } from '../test/admin.js';
import { createHarness, type Account, type Harness } from '../test/harness.js';

// A search of three characters or more first tests the next rows of the sort order, then takes its candidates from
// a trigram index (SQLite: users_search, kept by triggers; PostgreSQL: one GIN index over the searched columns) and
// lets LIKE decide; shorter terms are tested row by row (more rows than that window: admin.search.window.test.ts).
// Either way the matches must be exactly what the LIKE conditions alone give (the folded term in the email, the
// lower-cased username or the folded full name): here checked against them, run directly. How the folding compares
// with PostgreSQL's lower(): admin.fold.test.ts.
let h: Harness;
let boss: Account;

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  await seedUsers(h, [
    { email: 'angstrom@search.test', username: 'Angstrom', fullName: 'ÄNGSTRÖM Ängström' },
    { email: 'quote@search.test', username: 'quote', fullName: 'Says "hi" there' },
    { email: 'pct@search.test', username: 'pct', fullName: '100% Pure' },
    { email: 'snake@search.test', username: 'snake', fullName: 'snake_case and snakeXcase' },
    { email: 'bang@search.test', username: 'bang', fullName: 'Bang! Bang' },
    { email: 'mixed@search.test', username: 'MiXedCase', fullName: null },
    { email: 'istanbul@search.test', username: 'ist', fullName: 'İstanbul' },
  ]);
});
afterAll(() => h.close());

const likeIds = (q: string) => likeIdsOf(h, q);

async function searchIds(q: string): Promise<number[]> {
  const page = await h.caller(boss.token).admin.listUsers({ q, limit: 100 });
  return page.items.map((u) => u.id);
}

const TERMS = [
  'search.test',
  'SEARCH',
  'ängs',
  'ÄNGS',
  'ström',
  '"hi"',
  's "h',
  '100%',
  '0% p',
  'snake_case',
  'e_c',
  'bang!',
  'g! b',
  'mixedcase',
  'İst',
  'ist',
  'xy',
  'no such account',
];

describe('admin search', () => {
  it.each(TERMS)('%j matches exactly what LIKE matches', async (q) => {
    expect(await searchIds(q)).toEqual(await likeIds(q));
  });

  it.each(['search.test', 'snake', 'e_c', 'ist'])(
    '%j page by page (a page found in the next rows, or from the index) matches what LIKE matches',
    async (q) => {
      for (const limit of [1, 2, 3]) {
        const ids: number[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await h
            .caller(boss.token)
            .admin.listUsers({ q, limit, include_total: 'true', ...(cursor ? { cursor } : {}) });
          expect(page.total).toBe((await likeIds(q)).length);
          ids.push(...page.items.map((u) => u.id));
          if (!page.next_cursor) break;
          cursor = page.next_cursor;
        }
        expect(ids).toEqual(await likeIds(q));
      }
    },
  );

  it('follows inserts, changes and deletions of email, username and full_name', async () => {
    const [temp] = await seedUsers(h, [
      { email: 'zebra@later.test', username: 'zebra', fullName: 'Zed Ebra' },
    ]);
    expect(await searchIds('zebra')).toEqual([temp!.id]);
    await h.caller(boss.token).admin.updateUser({
      id: temp!.id,
      email: 'okapi@later.test',
      username: 'okapi',
      full_name: 'Oka Pi',
    });
    expect(await searchIds('zebra')).toEqual([]);
    expect(await searchIds('ed ebr')).toEqual([]);
    expect(await searchIds('okapi')).toEqual([temp!.id]);
    expect(await searchIds('oka pi')).toEqual([temp!.id]);
    await h.caller(boss.token).admin.updateUser({ id: temp!.id, full_name: null });
    expect(await searchIds('oka pi')).toEqual([]);
    await h.caller(boss.token).admin.deleteUser({ id: temp!.id });
    expect(await searchIds('okapi')).toEqual([]);
    expect(await likeIds('okapi')).toEqual([]);
  });
});
