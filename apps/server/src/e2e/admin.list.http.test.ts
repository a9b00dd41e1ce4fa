import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody } from '../test/accounts.js';
import { http } from '../test/harness.js';
import {
  qs,
  startWithRoot,
  tokenFor,
  walk,
  type AdminSession,
  type AdminUser,
  type Page,
} from '../test/admin.js';

// GET /admin/users: search, filters, sorts and keyset pagination.
let s: AdminSession;
/** Every account of the data set: each has TAG in its email and username (lower-case letters and digits only). */
let data: AdminUser[];
const TAG = `t${randomBytes(3).toString('hex')}`;
const NAMES =
  'kilo alpha zulu echo mike bravo yankee delta oscar golf hotel india juliet lima charlie november papa quebec romeo sierra tango uniform victor whiskey'.split(
    ' ',
  );
const SORTS = ['created_at', 'email', 'username', 'last_login_at'] as const;
type Sort = (typeof SORTS)[number];

const list = (params: Record<string, string | number | undefined>) =>
  s.req<Page<AdminUser> & { total: number | null }>(
    'GET',
    `/admin/users${qs({ include_total: 'true', ...params })}`,
    {
      token: s.rootToken,
    },
  );
const ids = (users: { id: number }[]) => users.map((u) => u.id);

/** The order the issue asks for: by the field, nulls last in both directions, ties broken by id the same way. */
function sorted(users: AdminUser[], sort: Sort, order: 'asc' | 'desc'): AdminUser[] {
  const dir = order === 'asc' ? 1 : -1;
  return [...users].sort((a, b) => {
    const [ka, kb] = [a[sort], b[sort]];
    if (ka !== kb) {
      if (ka === null) return 1;
      if (kb === null) return -1;
      return (ka < kb ? -1 : 1) * dir;
    }
    return (a.id - b.id) * dir;
  });
}

beforeAll(async () => {
  s = await startWithRoot();
  // Sequential, so creation times differ; emails and usernames sort differently from each other and from creation.
  for (const [i, name] of NAMES.entries()) {
    const res = await http<AdminUser>(s.server.url, 'POST', '/admin/users', {
      token: s.rootToken,
      json: {
        email: `${NAMES[(i * 7) % NAMES.length]}${TAG}${i}@example.com`,
        username: `${name}${TAG}`,
        password: 'list password',
        full_name: i % 3 === 0 ? `Person ${name}` : null,
        role: i % 11 === 4 ? 'admin' : 'user',
        is_active: i % 8 !== 5,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  // Some log in (in an order of their own), most never do.
  for (const name of ['oscar', 'alpha', 'tango', 'kilo', 'victor', 'golf', 'papa']) {
    await tokenFor(s.server, `${name}${TAG}`, 'list password');
  }
  data = (await list({ q: TAG, limit: 100 })).body.items;
  expect(data).toHaveLength(NAMES.length);
}, 120_000);
afterAll(() => s.server.close());

describe('search and filters', () => {
  it('answers {items, next_cursor, total}, 20 newest first by default', async () => {
    const res = await list({ q: TAG });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['items', 'next_cursor', 'total']);
    expect(res.body.total).toBe(NAMES.length);
    expect(ids(res.body.items)).toEqual(ids(sorted(data, 'created_at', 'desc').slice(0, 20)));
    expect(res.body.next_cursor).toEqual(expect.any(String));
    const all = await list({ limit: 100 });
    expect(all.body.total).toBe(NAMES.length + 1);
    expect(all.body.next_cursor).toBeNull();
  });

  it('matches q partially and case-insensitively over email, username and full_name', async () => {
    // echo<TAG> is one username and the start of another account's email.
    const byName = await list({ q: `ECHO${TAG.toUpperCase()}`, limit: 100 });
    const echo = data.filter((u) => u.username === `echo${TAG}` || u.email.startsWith(`echo${TAG}`));
    expect(echo).toHaveLength(2);
    expect(ids(byName.body.items).sort()).toEqual(ids(echo).sort());
    const byEmail = await list({ q: `${TAG}13@EXAMPLE`, limit: 100 });
    expect(ids(byEmail.body.items)).toEqual(ids(data.filter((u) => u.email.includes(`${TAG}13@`))));
    const byFullName = await list({ q: 'PERSON ', limit: 100 });
    const people = data.filter((u) => u.full_name?.startsWith('Person '));
    expect(people.length).toBeGreaterThan(2);
    expect(ids(byFullName.body.items).sort()).toEqual(ids(people).sort());
    expect(byFullName.body.total).toBe(people.length);
    expect((await list({ q: 'nobody-has-this' })).body).toEqual({ items: [], next_cursor: null, total: 0 });
  });

  it('matches stored upper case too, and takes %, _, ! and \\ in q literally', async () => {
    const t = randomBytes(3).toString('hex');
    const make = (username: string, full_name: string | null) =>
      http<AdminUser>(s.server.url, 'POST', '/admin/users', {
        token: s.rootToken,
        json: {
          email: `${username.toLowerCase()}@lit.example.com`,
          username,
          password: 'list password',
          full_name,
        },
      }).then((r) => r.body);
    const pct = await make(`pct${t}`, '100% Sure');
    const under = await make(`und_${t}`, null);
    const near = await make(`undx${t}`, null);
    const bang = await make(`bng${t}`, 'Bang! Bang');
    const slash = await make(`bsl${t}`, 'back\\slash');
    const upper = await make(`MiXeD${t}`, 'GRACE Hopper');
    const found = async (q: string) => ids((await list({ q, limit: 100 })).body.items).sort();
    expect(await found('%')).toEqual([pct.id]);
    expect(await found('  0% s  ')).toEqual([pct.id]);
    expect(await found(`und_${t}`)).toEqual([under.id]);
    expect(await found('_')).toEqual([under.id]);
    expect(await found('!')).toEqual([bang.id]);
    expect(await found('\\')).toEqual([slash.id]);
    expect(await found(`mixed${t}`)).toEqual([upper.id]);
    expect(await found('grace hopper')).toEqual([upper.id]);
    expect(await found(`und${t}`)).toEqual([]);
    expect(near.id).toBeGreaterThan(0);
  });

  it('filters by role and is_active', async () => {
    const admins = await list({ q: TAG, role: 'admin', limit: 100 });
    expect(ids(admins.body.items).sort()).toEqual(ids(data.filter((u) => u.role === 'admin')).sort());
    expect(admins.body.items.length).toBeGreaterThan(0);
    for (const flag of ['true', 'false']) {
      const res = await list({ q: TAG, is_active: flag, limit: 100 });
      const want = data.filter((u) => String(u.is_active) === flag);
      expect(want.length).toBeGreaterThan(0);
      expect(ids(res.body.items).sort()).toEqual(ids(want).sort());
      expect(res.body.total).toBe(want.length);
    }
    const both = await list({ role: 'user', is_active: 'false', q: TAG, limit: 100 });
    expect(both.body.items.every((u) => u.role === 'user' && !u.is_active)).toBe(true);
  });

  it('filters by creation time: created_after inclusive, created_before exclusive, offsets honoured', async () => {
    const byAge = sorted(data, 'created_at', 'asc');
    const pivot = byAge[10]!.created_at;
    const shifted = new Date(Date.parse(pivot) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    for (const at of [pivot, shifted]) {
      const after = await list({ q: TAG, created_after: at, limit: 100, order: 'asc' });
      expect(ids(after.body.items)).toEqual(ids(byAge.filter((u) => u.created_at >= pivot)));
      const before = await list({ q: TAG, created_before: at, limit: 100, order: 'asc' });
      expect(ids(before.body.items)).toEqual(ids(byAge.slice(0, 10)));
    }
    const window = await list({
      q: TAG,
      created_after: byAge[3]!.created_at,
      created_before: pivot,
      limit: 100,
    });
    expect(window.body.total).toBe(7);
  });

  it.each([
    ['limit=101', 'limit'],
    ['limit=0', 'limit'],
    ['sort=id', 'sort'],
    ['order=up', 'order'],
    ['role=owner', 'role'],
    ['is_active=maybe', 'is_active'],
    ['created_after=yesterday', 'created_after'],
    [`cursor=${'x'.repeat(501)}`, 'cursor'],
  ])('refuses %s with 422 naming the parameter', async (query, field) => {
    const res = await s.req<{ issues: { path: unknown[] }[] }>('GET', `/admin/users?${query}`, {
      token: s.rootToken,
    });
    expect(res.status).toBe(422);
    expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    expect(res.body.issues.map((i) => i.path)).toContainEqual([field]);
  });
});

describe('keyset pagination', () => {
  it('needs some users never to have logged in, and some to have', () => {
    expect(data.filter((u) => u.last_login_at === null).length).toBeGreaterThan(3);
    expect(data.filter((u) => u.last_login_at !== null)).toHaveLength(7);
  });

  for (const sort of SORTS) {
    for (const order of ['asc', 'desc'] as const) {
      it(`walks every row once, in order, sorted by ${sort} ${order}`, async () => {
        const want = ids(sorted(data, sort, order));
        const whole = await list({ q: TAG, sort, order, limit: 100 });
        expect(ids(whole.body.items)).toEqual(want);
        for (const limit of [1, 4, 7]) {
          const sizes: number[] = [];
          const { items, pages } = await walk<AdminUser>(async (cursor) => {
            const res = await list({ q: TAG, sort, order, limit, cursor });
            expect(res.status, JSON.stringify(res.body)).toBe(200);
            expect(res.body.total).toBe(NAMES.length);
            sizes.push(res.body.items.length);
            return res.body;
          });
          expect(ids(items)).toEqual(want);
          expect(pages).toBe(Math.ceil(NAMES.length / limit));
          expect(sizes.slice(0, -1).every((n) => n === limit)).toBe(true);
        }
      });
    }
  }

  it('keeps filters while walking', async () => {
    const want = ids(
      sorted(
        data.filter((u) => u.is_active),
        'email',
        'asc',
      ),
    );
    const { items } = await walk<AdminUser>(
      async (cursor) =>
        (await list({ q: TAG, is_active: 'true', sort: 'email', order: 'asc', limit: 5, cursor })).body,
    );
    expect(ids(items)).toEqual(want);
  });

  it('refuses a cursor made for another sort or order, or garbage, with 422 INVALID_CURSOR', async () => {
    const cursorOf = async (params: Record<string, string | number>) =>
      (await list({ q: TAG, limit: 2, ...params })).body.next_cursor!;
    const email = await cursorOf({ sort: 'email' });
    const desc = await cursorOf({ sort: 'created_at', order: 'desc' });
    const audit = (await s.req<Page<unknown>>('GET', '/admin/audit?limit=1', { token: s.rootToken })).body
      .next_cursor!;
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad: [Record<string, string>, string][] = [
      [{ sort: 'username' }, email],
      [{ sort: 'last_login_at' }, email],
      [{ sort: 'created_at', order: 'asc' }, desc],
      [{}, audit],
      [{}, 'not-a-cursor'],
      [{}, forged(['created_at:desc', '2020-01-01T00:00:00.000Z', 'x'])],
      [{}, forged({ sort: 'created_at:desc' })],
      [{}, forged(['created_at:desc', 5, 1])],
    ];
    for (const [params, cursor] of bad) {
      const res = await list({ q: TAG, ...params, cursor });
      expect(res.status, `${JSON.stringify(params)} ${cursor}`).toBe(422);
      expectErrorBody(res.body, 'INVALID_CURSOR');
    }
    expect((await list({ q: TAG, sort: 'email', cursor: email })).status).toBe(200);
  });
});
