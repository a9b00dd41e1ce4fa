import { User } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../errors.js';
import { encodeCursor } from '../services/cursor.js';
import { seededAccount, seedUsers, walkPages } from '../test/admin.js';
import { createHarness, errorCodeOf, type Account, type Harness } from '../test/harness.js';

let h: Harness;
let boss: Account;
let mere: Account;
let seeded: User[];
const N = 22;
const BASE = Date.parse('2025-03-01T00:00:00.000Z');
const HOUR = 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');

// Seeded rows: emails and usernames in two other permutations than insertion order (same shape, so every
// collation sorts them alike), created_at in tied pairs, last_login_at null for every 4th and tied otherwise.
beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  mere = await seededAccount(h, 'mere', 'user');
  seeded = await seedUsers(
    h,
    Array.from({ length: N }, (_, i) => ({
      email: `e${pad((i * 7) % N)}@seed.test`,
      username: `n${pad((i * 5 + 3) % N)}`,
      role: i % 5 === 0 ? ('admin' as const) : ('user' as const),
      isActive: i % 3 !== 2,
      createdAt: new Date(BASE + Math.floor(i / 2) * HOUR),
      lastLoginAt: i % 4 === 0 ? null : new Date(BASE + (i % 3) * 24 * HOUR),
    })),
  );
  await seedUsers(h, [
    { email: 'ada.l@qtest.org', username: 'AdaL', fullName: 'Ada Lovelace' },
    { email: 'mixed@qtest.org', username: 'MiXedCase' },
    { email: 'pct@qtest.org', username: 'pct', fullName: '100% Pure' },
    { email: 'snake@qtest.org', username: 'snake', fullName: 'snake_case' },
    { email: 'bang@qtest.org', username: 'bang', fullName: 'Bang! Bang' },
  ]);
});
afterAll(() => h.close());

type Sort = 'created_at' | 'email' | 'username' | 'last_login_at';
const FIELD = {
  created_at: 'createdAt',
  email: 'email',
  username: 'username',
  last_login_at: 'lastLoginAt',
} as const;

/** The listing's order in JS: by the sort value (nulls last either way), then id, both in `order`. */
function expectedOrder(rows: User[], sort: Sort, order: 'asc' | 'desc'): number[] {
  const key = (u: User) => {
    const v = u[FIELD[sort]];
    return v instanceof Date ? v.getTime() : v;
  };
  const sign = order === 'asc' ? 1 : -1;
  return [...rows]
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      if (x === null || y === null) return x === y ? sign * (a.id - b.id) : x === null ? 1 : -1;
      if (x !== y) return sign * (x < y ? -1 : 1);
      return sign * (a.id - b.id);
    })
    .map((u) => u.id);
}

const list = (input: Parameters<ReturnType<Harness['caller']>['admin']['listUsers']>[0]) =>
  h.caller(boss.token).admin.listUsers({ include_total: 'true', ...input });

describe('admin.listUsers: keyset pages', () => {
  for (const sort of ['created_at', 'email', 'username', 'last_login_at'] as const) {
    for (const order of ['asc', 'desc'] as const) {
      it(`walks sort=${sort} order=${order} visiting each row once, in order`, async () => {
        const { ids, pages } = await walkPages((cursor) =>
          list({ q: '@seed.test', sort, order, limit: 4, ...(cursor ? { cursor } : {}) }),
        );
        expect(ids).toEqual(expectedOrder(seeded, sort, order));
        expect(new Set(ids).size).toBe(N);
        expect(pages).toHaveLength(Math.ceil(N / 4));
        for (const p of pages) expect(p.total).toBe(N);
        expect(pages.at(-1)!.next_cursor).toBeNull();
      });
    }
  }

  it('counts the matches only when asked (include_total), on any page', async () => {
    const plain = await h.caller(boss.token).admin.listUsers({ q: '@seed.test', limit: 4 });
    expect(plain.total).toBeNull();
    expect(plain.items).toHaveLength(4);
    const next = await list({ q: '@seed.test', limit: 4, cursor: plain.next_cursor! });
    expect(next.total).toBe(N);
    expect((await list({ q: '@seed.test', include_total: 'false' })).total).toBeNull();
  });

  it('answers one page with a null cursor when everything fits, and nothing for no match', async () => {
    const all = await list({ q: '@seed.test', limit: 100 });
    expect(all).toMatchObject({ next_cursor: null, total: N });
    expect(all.items).toHaveLength(N);
    const exact = await list({ q: '@seed.test', limit: N });
    expect(exact.next_cursor).toBeNull();
    expect(await list({ q: 'no-such-account' })).toEqual({ items: [], next_cursor: null, total: 0 });
  });

  it('returns full admin records, newest first by default, 20 a page', async () => {
    const page = await list({});
    expect(page.total).toBe(N + 7);
    expect(page.items).toHaveLength(20);
    expect(page.items[0]).toMatchObject({ last_login_at: null, version: 1 });
    const logged = page.items.find((u) => u.id === seeded[21]!.id);
    expect(logged?.last_login_at).toBe(seeded[21]!.lastLoginAt!.toISOString());
    const created = page.items.map((u) => Date.parse(u.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('pages through a filtered set, counting only that set', async () => {
    const after = new Date(BASE + 2 * HOUR).toISOString();
    const before = new Date(BASE + 9 * HOUR).toISOString();
    const expected = seeded.filter(
      (u) =>
        u.isActive && u.createdAt.getTime() >= BASE + 2 * HOUR && u.createdAt.getTime() < BASE + 9 * HOUR,
    );
    const { ids, pages } = await walkPages((cursor) =>
      list({
        q: 'SEED.TEST',
        is_active: 'true',
        created_after: after,
        created_before: before,
        sort: 'email',
        order: 'asc',
        limit: 3,
        ...(cursor ? { cursor } : {}),
      }),
    );
    expect(ids).toEqual(expectedOrder(expected, 'email', 'asc'));
    for (const p of pages) expect(p.total).toBe(expected.length);
  });
});

describe('admin.listUsers: filters', () => {
  async function everyone(): Promise<User[]> {
    return h.db.orm.em.fork().find(User, {});
  }
  const idsOf = async (input: Parameters<typeof list>[0]) =>
    (await list({ ...input, limit: 100 })).items.map((u) => u.id).sort((a, b) => a - b);
  const sorted = (rows: User[]) => rows.map((u) => u.id).sort((a, b) => a - b);

  it('filters by role and by is_active given as "true"/"false"', async () => {
    const all = await everyone();
    expect(await idsOf({ role: 'admin' })).toEqual(sorted(all.filter((u) => u.role === 'admin')));
    expect(await idsOf({ role: 'user' })).toEqual(sorted(all.filter((u) => u.role === 'user')));
    expect(await idsOf({ is_active: 'false' })).toEqual(sorted(all.filter((u) => !u.isActive)));
    expect(await idsOf({ is_active: 'true' })).toEqual(sorted(all.filter((u) => u.isActive)));
    const both = all.filter((u) => u.role === 'admin' && !u.isActive);
    expect(both.length).toBeGreaterThan(0);
    expect(await idsOf({ role: 'admin', is_active: 'false' })).toEqual(sorted(both));
    expect((await list({ role: 'admin', is_active: 'false' })).total).toBe(both.length);
  });

  it('filters by creation time: created_after inclusive, created_before exclusive, offsets honoured', async () => {
    const at = (hours: number) => seeded.filter((u) => u.createdAt.getTime() === BASE + hours * HOUR);
    expect(await idsOf({ created_after: new Date(BASE + 10 * HOUR).toISOString(), q: 'seed' })).toEqual(
      sorted(at(10)),
    );
    expect(await idsOf({ created_before: new Date(BASE + HOUR).toISOString() })).toEqual(sorted(at(0)));
    // 03:00+02:00 is 01:00Z.
    expect(
      await idsOf({
        created_after: '2025-03-01T03:00:00+02:00',
        created_before: '2025-03-01T04:00:00+02:00',
      }),
    ).toEqual(sorted(at(1)));
  });

  it.each([
    ['lovelace', ['AdaL']],
    ['  LOVELACE ', ['AdaL']],
    ['adal', ['AdaL']],
    ['ADA.L@', ['AdaL']],
    ['mixedcase', ['MiXedCase']],
    ['MIXED@QTEST', ['MiXedCase']],
    ['%', ['pct']],
    ['0% p', ['pct']],
    ['_', ['snake']],
    ['e_c', ['snake']],
    ['!', ['bang']],
    ['g! b', ['bang']],
    ['!%', []],
  ])('q=%j matches partially, case-insensitively and literally: %j', async (q, usernames) => {
    const page = await list({ q, limit: 100 });
    expect(page.items.map((u) => u.username).sort()).toEqual(usernames);
    expect(page.total).toBe(usernames.length);
  });
});

describe('admin.listUsers: input and cursors', () => {
  it('refuses a cursor made for another sort or order, and garbage, as INVALID_CURSOR (422)', async () => {
    const { next_cursor } = await list({ sort: 'email', order: 'asc', limit: 2 });
    expect(next_cursor).toEqual(expect.any(String));
    const cursor = next_cursor!;
    for (const input of [
      { sort: 'email' as const, order: 'desc' as const, cursor },
      { sort: 'username' as const, order: 'asc' as const, cursor },
      { cursor },
      { cursor: 'not-a-cursor' },
      { cursor: encodeCursor({ sort: 'email:asc', value: 'e01@seed.test', id: 1 }).slice(0, -3) },
    ]) {
      const error = await list(input).catch((e: unknown) => e);
      expect(toErrorResponse(error)).toMatchObject({ status: 422, body: { code: 'INVALID_CURSOR' } });
    }
    expect(await errorCodeOf(h.caller(boss.token).admin.audit({ cursor }))).toBe('INVALID_CURSOR');
  });

  it.each([
    [{ limit: 0 }],
    [{ limit: 101 }],
    [{ limit: 2.5 }],
    [{ q: '   ' }],
    [{ q: 'x'.repeat(101) }],
    [{ is_active: 'maybe' }],
    [{ role: 'root' }],
    [{ sort: 'id' }],
    [{ order: 'up' }],
    [{ created_after: 'yesterday' }],
    [{ cursor: 'x'.repeat(501) }],
    [{ page: 2 }],
  ])('refuses %j with VALIDATION_ERROR', async (input) => {
    expect(await errorCodeOf(list(input as never))).toBe('VALIDATION_ERROR');
  });

  it('accepts limit 1 and 100', async () => {
    expect((await list({ limit: 1 })).items).toHaveLength(1);
    expect((await list({ limit: 100 })).items).toHaveLength(N + 7);
  });
});

describe('admin.stats', () => {
  it('counts accounts and sign-ups per UTC day over the last 30 days, today last', async () => {
    const DAY = 86_400_000;
    const today = Math.floor(Date.now() / DAY) * DAY;
    await seedUsers(h, [
      { email: 'd29@example.com', username: 'd29', createdAt: new Date(today - 29 * DAY + 1000) },
      { email: 'd30@example.com', username: 'd30', createdAt: new Date(today - 29 * DAY - 1000) },
      { email: 'd3a@example.com', username: 'd3a', createdAt: new Date(today - 3 * DAY), isActive: false },
      { email: 'd3b@example.com', username: 'd3b', createdAt: new Date(today - 2 * DAY - 1), role: 'admin' },
    ]);
    const all = await h.db.orm.em.fork().find(User, {});
    const stats = await h.caller(boss.token).admin.stats();
    expect(stats).toMatchObject({
      total: all.length,
      active: all.filter((u) => u.isActive).length,
      inactive: all.filter((u) => !u.isActive).length,
      admins: all.filter((u) => u.role === 'admin').length,
    });
    const days = stats.signups_per_day;
    expect(days).toHaveLength(30);
    expect(days.map((d) => d.date)).toEqual(
      Array.from({ length: 30 }, (_, i) => new Date(today - (29 - i) * DAY).toISOString().slice(0, 10)),
    );
    const perDay = (t: number) =>
      all.filter((u) => Math.floor(u.createdAt.getTime() / DAY) * DAY === t).length;
    expect(days.map((d) => d.count)).toEqual(days.map((_, i) => perDay(today - (29 - i) * DAY)));
    expect(days[0]!.count).toBe(1);
    expect(days[26]!.count).toBe(2);
    // Today's: boss, mere and the five q rows.
    expect(days[29]!.count).toBe(7);
  });
});

describe('admin procedures: who may call them', () => {
  const calls = (token: string | null) => {
    const admin = h.caller(token).admin;
    return [
      () => admin.listUsers({}),
      () => admin.createUser({ email: 'new@example.com', username: 'newbie', password: 'long enough pw' }),
      () => admin.getUser({ id: boss.id }),
      () => admin.updateUser({ id: boss.id, bio: 'x' }),
      () => admin.setPassword({ id: boss.id, password: 'long enough pw' }),
      () => admin.deleteUser({ id: boss.id }),
      () => admin.stats(),
      () => admin.audit({}),
    ];
  };

  it('refuses every admin procedure to a non-admin with FORBIDDEN and to nobody with NOT_AUTHENTICATED', async () => {
    for (const call of calls(mere.token)) expect(await errorCodeOf(call())).toBe('FORBIDDEN');
    for (const call of calls(null)) expect(await errorCodeOf(call())).toBe('NOT_AUTHENTICATED');
    expect(await h.db.orm.em.fork().count(User, { email: 'new@example.com' })).toBe(0);
  });

  it("refuses a demoted admin's very next call", async () => {
    const former = await seededAccount(h, 'former');
    expect((await h.caller(former.token).admin.getUser({ id: mere.id })).id).toBe(mere.id);
    await h.setColumns(former.id, { role: 'user' });
    expect(await errorCodeOf(h.caller(former.token).admin.getUser({ id: mere.id }))).toBe('FORBIDDEN');
  });
});
