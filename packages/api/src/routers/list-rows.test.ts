import { User } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../services/cursor.js';
import { toAdminUserOut, viewUser } from '../services/serialize.js';
import { seededAccount, seedUsers } from '../test/admin.js';
import { createHarness, type Account, type Harness } from '../test/harness.js';

// The list pages map plain rows to their DTOs, everything else maps entities: the two must answer the same bytes
// on either database (dates as ISO strings with milliseconds, booleans, nulls), and keyset cursors made from rows
// must be the ones an entity would give.
let h: Harness;
let boss: Account;
let mere: Account;
const BASE = Date.parse('2025-06-01T10:20:30.123Z');

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  mere = await seededAccount(h, 'mere', 'user');
  const seeded = await seedUsers(h, [
    { email: 'full@rows.test', username: 'full', fullName: 'Full Name', lastLoginAt: new Date(BASE + 7) },
    { email: 'bare@rows.test', username: 'bare', fullName: null, lastLoginAt: null },
    { email: 'gone@rows.test', username: 'gone', fullName: 'Gone', isActive: false },
    { email: 'root@rows.test', username: 'root', role: 'admin', createdAt: new Date(BASE + 999) },
    { email: 'tie1@rows.test', username: 'tie1', createdAt: new Date(BASE), lastLoginAt: new Date(BASE) },
    { email: 'tie2@rows.test', username: 'tie2', createdAt: new Date(BASE), lastLoginAt: new Date(BASE) },
  ]);
  // A bio and a verified address on one, a bumped version on another (columns the seed does not set).
  const em = h.db.orm.em.fork();
  const [full, bare] = await Promise.all(seeded.slice(0, 2).map((u) => em.findOneOrFail(User, { id: u.id })));
  full!.bio = 'Line one\nline "two" ✓';
  full!.isVerified = true;
  bare!.version = 5;
  await em.flush();
});
afterAll(() => h.close());

/** Every account as entities, newest first (the list's order). */
async function entities(): Promise<User[]> {
  return h.db.orm.em.fork().find(User, {}, { orderBy: { createdAt: 'desc', id: 'desc' } });
}

describe('list pages mapped from rows', () => {
  it('users.list answers what the entity mapping gives, for an admin and for a user', async () => {
    const all = await entities();
    for (const viewer of [boss, mere]) {
      const me = all.find((u) => u.id === viewer.id)!;
      const isAdmin = viewer === boss;
      const listed = await h.caller(viewer.token).users.list({ limit: 100, active_only: 'false' });
      const expected = all.filter((u) => isAdmin || u.isActive).map((u) => viewUser(u, me));
      expect(listed).toStrictEqual(expected);
      expect(JSON.stringify(listed)).toBe(JSON.stringify(expected));
    }
    // Paged with skip, the same rows.
    const page = await h.caller(mere.token).users.list({ skip: 2, limit: 3 });
    const me = all.find((u) => u.id === mere.id)!;
    expect(page).toStrictEqual(
      all
        .filter((u) => u.isActive)
        .slice(2, 5)
        .map((u) => viewUser(u, me)),
    );
  });

  it('admin.listUsers answers what the entity mapping gives, nulls and versions included', async () => {
    const all = await entities();
    const page = await h.caller(boss.token).admin.listUsers({ limit: 100 });
    expect(page.items).toStrictEqual(all.map(toAdminUserOut));
    expect(JSON.stringify(page.items)).toBe(JSON.stringify(all.map(toAdminUserOut)));
    const bare = page.items.find((u) => u.username === 'bare')!;
    expect(bare).toMatchObject({ full_name: null, bio: null, last_login_at: null, version: 5 });
    const full = page.items.find((u) => u.username === 'full')!;
    expect(full).toMatchObject({ is_verified: true, last_login_at: new Date(BASE + 7).toISOString() });
  });

  it('a search page (a sub-query on PostgreSQL) maps its rows the same way', async () => {
    const all = await entities();
    const page = await h.caller(boss.token).admin.listUsers({ q: 'rows.test', limit: 100 });
    expect(page.items).toStrictEqual(all.filter((u) => u.email.endsWith('@rows.test')).map(toAdminUserOut));
  });

  it('keyset cursors made from rows are the ones the entities give, for dates and nulls', async () => {
    const all = await entities();
    const byId = new Map(all.map((u) => [u.id, u]));
    for (const sort of ['created_at', 'last_login_at', 'email'] as const) {
      let cursor: string | undefined;
      const seen: number[] = [];
      for (;;) {
        const page = await h
          .caller(boss.token)
          .admin.listUsers({ sort, order: 'asc', limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((u) => u.id));
        if (!page.next_cursor) break;
        const last = byId.get(page.items.at(-1)!.id)!;
        const value =
          sort === 'email'
            ? last.email
            : ((sort === 'created_at' ? last.createdAt : last.lastLoginAt)?.toISOString() ?? null);
        expect(page.next_cursor).toBe(encodeCursor({ sort: `${sort}:asc`, value, id: last.id }));
        cursor = page.next_cursor;
      }
      expect(seen.sort((a, b) => a - b)).toEqual(all.map((u) => u.id).sort((a, b) => a - b));
    }
  });
});
