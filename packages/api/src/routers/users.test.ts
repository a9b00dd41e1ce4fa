import { User } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../errors.js';
import {
  barrier,
  createHarness,
  errorCodeOf,
  PASSWORD,
  type Account,
  type Harness,
} from '../test/harness.js';
import { lockstepBeginEm } from '../test/admin.js';

let h: Harness;
// Registered in this order: admin, ivan, dormant, gina, hugo (so newest first is the reverse).
let admin: Account;
let ivan: Account;
let dormant: Account;
let gina: Account;
let hugo: Account;

const PUBLIC_KEYS = ['bio', 'created_at', 'full_name', 'id', 'username'];
const FULL_KEYS = [
  'bio',
  'created_at',
  'email',
  'full_name',
  'id',
  'is_active',
  'is_superuser',
  'is_verified',
  'role',
  'updated_at',
  'username',
];

beforeAll(async () => {
  h = await createHarness();
  admin = await h.account('Admin');
  ivan = await h.account('Ivan', { full_name: 'Ivan I', bio: 'Hello' });
  dormant = await h.account('Dormant');
  gina = await h.account('Gina');
  hugo = await h.account('Hugo');
  await h.setColumns(admin.id, { role: 'admin' });
  await h.setColumns(dormant.id, { isActive: false });
});
afterAll(() => h.close());

describe('users.list', () => {
  it('lists active accounts newest first, as public profiles except your own', async () => {
    const list = await h.caller(gina.token).users.list({});
    expect(list.map((u) => u.id)).toEqual([hugo.id, gina.id, ivan.id, admin.id]);
    for (const u of list) {
      expect(Object.keys(u).sort()).toEqual(u.id === gina.id ? FULL_KEYS : PUBLIC_KEYS);
    }
    expect(list.find((u) => u.id === ivan.id)).toMatchObject({
      username: 'Ivan',
      full_name: 'Ivan I',
      bio: 'Hello',
    });
  });

  it('pages with skip and limit', async () => {
    const caller = h.caller(gina.token);
    expect((await caller.users.list({ limit: 2 })).map((u) => u.id)).toEqual([hugo.id, gina.id]);
    expect((await caller.users.list({ skip: 1, limit: 2 })).map((u) => u.id)).toEqual([gina.id, ivan.id]);
    expect((await caller.users.list({ skip: 3 })).map((u) => u.id)).toEqual([admin.id]);
    expect(await caller.users.list({ skip: 10 })).toEqual([]);
  });

  it('ignores active_only for non-admins', async () => {
    const list = await h.caller(gina.token).users.list({ active_only: 'false' });
    expect(list.map((u) => u.id)).not.toContain(dormant.id);
  });

  it('shows admins full records, and deactivated accounts only when they ask', async () => {
    const active = await h.caller(admin.token).users.list({});
    expect(active.map((u) => u.id)).toEqual([hugo.id, gina.id, ivan.id, admin.id]);
    for (const u of active) expect(Object.keys(u).sort()).toEqual(FULL_KEYS);
    const explicit = await h.caller(admin.token).users.list({ active_only: 'true' });
    expect(explicit.map((u) => u.id)).toEqual(active.map((u) => u.id));
    const all = await h.caller(admin.token).users.list({ active_only: 'false' });
    expect(all.map((u) => u.id)).toEqual([hugo.id, gina.id, dormant.id, ivan.id, admin.id]);
    expect(all.find((u) => u.id === dormant.id)).toMatchObject({ is_active: false });
    expect(all.find((u) => u.id === admin.id)).toMatchObject({ role: 'admin', is_superuser: true });
  });

  it.each([
    [{ limit: 0 }],
    [{ limit: 101 }],
    [{ skip: -1 }],
    [{ skip: 1.5 }],
    [{ active_only: 'maybe' }],
    [{ page: 2 }],
  ])('refuses %j with VALIDATION_ERROR', async (input) => {
    expect(await errorCodeOf(h.caller(gina.token).users.list(input as never))).toBe('VALIDATION_ERROR');
  });

  it('needs a signed-in caller', async () => {
    expect(await errorCodeOf(h.caller().users.list({}))).toBe('NOT_AUTHENTICATED');
  });
});

describe('users.byId', () => {
  it('gives you your own full record', async () => {
    const me = await h.caller(ivan.token).users.byId({ id: ivan.id });
    expect(me).toMatchObject({ id: ivan.id, email: 'ivan@example.com', role: 'user', is_active: true });
    expect(Object.keys(me).sort()).toEqual(FULL_KEYS);
  });

  it('gives you only the public profile of someone else', async () => {
    const other = await h.caller(gina.token).users.byId({ id: ivan.id });
    expect(other).toEqual({
      id: ivan.id,
      username: 'Ivan',
      full_name: 'Ivan I',
      bio: 'Hello',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("gives admins everyone's full record, deactivated ones included", async () => {
    expect(await h.caller(admin.token).users.byId({ id: ivan.id })).toMatchObject({
      email: 'ivan@example.com',
    });
    expect(await h.caller(admin.token).users.byId({ id: dormant.id })).toMatchObject({
      id: dormant.id,
      email: 'dormant@example.com',
      is_active: false,
    });
  });

  it('answers a deactivated account as not found to everyone else', async () => {
    await expect(h.caller(gina.token).users.byId({ id: dormant.id })).rejects.toMatchObject({
      appCode: 'USER_NOT_FOUND',
      status: 404,
      message: 'User not found',
    });
  });

  it('answers an unknown id as USER_NOT_FOUND and a bad one as VALIDATION_ERROR', async () => {
    expect(await errorCodeOf(h.caller(gina.token).users.byId({ id: 999_999 }))).toBe('USER_NOT_FOUND');
    for (const id of [0, -1, 1.5, 2_147_483_648]) {
      expect(await errorCodeOf(h.caller(gina.token).users.byId({ id }))).toBe('VALIDATION_ERROR');
    }
  });
});

describe('users.updateMe / users.patchMe', () => {
  it('changes email (normalized), username, full_name and bio, and answers with the new record', async () => {
    const jo = await h.account('Joe', { full_name: 'Joe J', bio: 'old' });
    const before = await h.row(jo.id);
    await new Promise((r) => setTimeout(r, 10));
    const updated = await h.caller(jo.token).users.updateMe({
      email: ' Joanna@Example.com ',
      current_password: PASSWORD,
      username: 'Joanna',
      full_name: 'Joanna J',
      bio: 'new',
    });
    expect(updated).toMatchObject({
      id: jo.id,
      email: 'joanna@example.com',
      username: 'Joanna',
      full_name: 'Joanna J',
      bio: 'new',
    });
    const row = await h.row(jo.id);
    expect(row).toMatchObject({
      email: 'joanna@example.com',
      username: 'Joanna',
      fullName: 'Joanna J',
      bio: 'new',
    });
    expect(row!.updatedAt.getTime()).toBeGreaterThan(before!.updatedAt.getTime());
    // The old login names are gone, the new ones work.
    expect(
      await errorCodeOf(h.caller().auth.login({ username: 'joe', password: 'correct horse battery' })),
    ).toBe('INVALID_CREDENTIALS');
    expect(
      (await h.caller().auth.login({ username: 'joanna@example.com', password: 'correct horse battery' }))
        .user.id,
    ).toBe(jo.id);
  });

  it('patches only the fields given, and null clears full_name and bio', async () => {
    const caller = h.caller(ivan.token);
    expect(await caller.users.patchMe({ bio: 'Updated bio' })).toMatchObject({
      full_name: 'Ivan I',
      bio: 'Updated bio',
    });
    expect(await caller.users.patchMe({ full_name: null, bio: null })).toMatchObject({
      username: 'Ivan',
      full_name: null,
      bio: null,
    });
    expect(await h.row(ivan.id)).toMatchObject({ fullName: null, bio: null, email: 'ivan@example.com' });
    expect(await caller.users.patchMe({})).toMatchObject({ id: ivan.id, full_name: null });
  });

  it('lets you keep your own email and username, or change only the case of your username', async () => {
    const caller = h.caller(hugo.token);
    expect(
      await caller.users.updateMe({
        email: 'hugo@example.com',
        username: 'Hugo',
        current_password: PASSWORD,
      }),
    ).toMatchObject({
      username: 'Hugo',
    });
    expect(await caller.users.patchMe({ username: 'HUGO' })).toMatchObject({ username: 'HUGO' });
  });

  it("refuses someone else's email with USER_ALREADY_EXISTS and username in any case with USERNAME_TAKEN", async () => {
    const caller = h.caller(gina.token);
    await expect(
      caller.users.updateMe({ email: 'IVAN@example.com', current_password: PASSWORD }),
    ).rejects.toMatchObject({
      appCode: 'USER_ALREADY_EXISTS',
      status: 409,
      message: 'Email already in use',
    });
    await expect(caller.users.patchMe({ username: 'ivan' })).rejects.toMatchObject({
      appCode: 'USERNAME_TAKEN',
      status: 409,
      message: 'Username already in use',
    });
    // A deactivated account still holds its names.
    expect(
      await errorCodeOf(caller.users.patchMe({ email: 'dormant@example.com', current_password: PASSWORD })),
    ).toBe('USER_ALREADY_EXISTS');
    expect(await h.row(gina.id)).toMatchObject({ email: 'gina@example.com', username: 'Gina' });
  });

  it('gives exactly one of two concurrent claims on a new email, the other USER_ALREADY_EXISTS', async () => {
    const [k, l] = [await h.account('Kim'), await h.account('Lee')];
    // Both requests pass the pre-check before either opens its transaction, so the unique index decides.
    const wait = barrier(2);
    const results = await Promise.allSettled([
      h
        .caller(k.token, h.deps, lockstepBeginEm(h, wait))
        .users.patchMe({ email: 'shared@example.com', current_password: PASSWORD }),
      h
        .caller(l.token, h.deps, lockstepBeginEm(h, wait))
        .users.patchMe({ email: 'shared@example.com', current_password: PASSWORD }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [toErrorResponse(r.reason)] : []));
    expect(rejected.map((r) => r.body)).toEqual([
      { detail: 'Email already in use', code: 'USER_ALREADY_EXISTS' },
    ]);
    expect(await h.db.orm.em.fork().count(User, { email: 'shared@example.com' })).toBe(1);
  });

  it('gives exactly one of two concurrent claims on a username, the other USERNAME_TAKEN', async () => {
    const [m, n] = [await h.account('Mia'), await h.account('Ned')];
    const wait = barrier(2);
    const results = await Promise.allSettled([
      h.caller(m.token, h.deps, lockstepBeginEm(h, wait)).users.patchMe({ username: 'Popular' }),
      h.caller(n.token, h.deps, lockstepBeginEm(h, wait)).users.patchMe({ username: 'popular' }),
    ]);
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [toErrorResponse(r.reason)] : []));
    expect(rejected.map((r) => r.body)).toEqual([
      { detail: 'Username already in use', code: 'USERNAME_TAKEN' },
    ]);
  });

  it.each([
    ['unknown keys', { role: 'admin' }],
    ['is_active', { is_active: false }],
    ['password', { password: 'new password 123' }],
    ['an invalid email', { email: 'nope' }],
    ['an invalid username', { username: 'a b' }],
  ])('refuses %s with VALIDATION_ERROR and changes nothing', async (_label, input) => {
    expect(await errorCodeOf(h.caller(gina.token).users.updateMe(input as never))).toBe('VALIDATION_ERROR');
    expect(await errorCodeOf(h.caller(gina.token).users.patchMe(input as never))).toBe('VALIDATION_ERROR');
    expect(await h.row(gina.id)).toMatchObject({ role: 'user', isActive: true, email: 'gina@example.com' });
  });
});

describe('users.deactivateMe', () => {
  it('deactivates the account, stops its token and its logins, and hides it from others', async () => {
    const max = await h.account('Max');
    expect(await h.caller(max.token).users.deactivateMe()).toBeUndefined();
    expect((await h.row(max.id))?.isActive).toBe(false);
    expect(await errorCodeOf(h.caller(max.token).auth.me())).toBe('INVALID_TOKEN');
    expect(
      await errorCodeOf(h.caller().auth.login({ username: 'max', password: 'correct horse battery' })),
    ).toBe('ACCOUNT_DEACTIVATED');
    expect(await errorCodeOf(h.caller(gina.token).users.byId({ id: max.id }))).toBe('USER_NOT_FOUND');
  });

  it('needs a signed-in caller', async () => {
    expect(await errorCodeOf(h.caller().users.deactivateMe())).toBe('NOT_AUTHENTICATED');
  });
});
