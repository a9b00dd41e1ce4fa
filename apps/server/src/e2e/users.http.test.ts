import type { UserOut } from '@roster/api';
import { createRosterClient } from '@roster/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  expectErrorBody,
  newAccount,
  PUBLIC_USER_KEYS,
  register,
  registerAndLogin,
  USER_KEYS,
  type Session,
} from '../test/accounts.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// Listing, viewing, updating and deactivating accounts over REST (deactivation on the tRPC surface too).
let server: TestServer;
let req: ReturnType<typeof api>;
let me: Session;
let other: Session;
let hidden: UserOut;

type Listed = { id: number; created_at: string; username: string } & Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer();
  req = api(server);
  me = await registerAndLogin(server, 'me', { full_name: 'Me Myself', bio: 'mine' });
  other = await registerAndLogin(server, 'other', { full_name: 'Other One', bio: 'theirs' });
  // Enough accounts to pass the default page size of 20, and one deactivated account that must never be listed.
  await Promise.all(Array.from({ length: 20 }, (_, i) => register(server, newAccount(`bulk${i}`))));
  const gone = await registerAndLogin(server, 'hidden');
  hidden = gone.user;
  expect((await req('DELETE', '/users/me', { token: gone.token })).status).toBe(204);
}, 60_000);
afterAll(() => server.close());

const ACTIVE = 22;

describe('GET /users', () => {
  it('answers 20 by default, newest first, without deactivated accounts', async () => {
    const page = await req<Listed[]>('GET', '/users', { token: me.token });
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(20);
    const all = await req<Listed[]>('GET', '/users?limit=100', { token: me.token });
    expect(all.body).toHaveLength(ACTIVE);
    expect(all.body.map((u) => u.id)).not.toContain(hidden.id);
    expect(page.body).toEqual(all.body.slice(0, 20));
    for (let i = 1; i < all.body.length; i++) {
      const [a, b] = [all.body[i - 1]!, all.body[i]!];
      const newer = a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id);
      expect(newer, `${a.id} listed before ${b.id}`).toBe(true);
    }
  });

  it('shows the caller in full and everyone else as a public profile', async () => {
    const all = await req<Listed[]>('GET', '/users?limit=100', { token: me.token });
    for (const u of all.body) {
      expect(Object.keys(u).sort()).toEqual(u.id === me.user.id ? USER_KEYS : PUBLIC_USER_KEYS);
    }
  });

  it('pages with skip and limit', async () => {
    const all = await req<Listed[]>('GET', '/users?limit=100', { token: me.token });
    const page = await req<Listed[]>('GET', '/users?skip=3&limit=4', { token: me.token });
    expect(page.status).toBe(200);
    expect(page.body.map((u) => u.id)).toEqual(all.body.slice(3, 7).map((u) => u.id));
    const past = await req<Listed[]>('GET', `/users?skip=${ACTIVE}`, { token: me.token });
    expect(past.body).toEqual([]);
  });

  it.each([
    ['limit=101', ['limit']],
    ['limit=0', ['limit']],
    ['skip=-1', ['skip']],
    ['limit=abc', ['limit']],
  ])('refuses %s with 422 naming the parameter', async (query, path) => {
    const res = await req<{ issues: { path: unknown[] }[] }>('GET', `/users?${query}`, { token: me.token });
    expect(res.status).toBe(422);
    expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    expect(res.body.issues.map((i) => i.path)).toContainEqual(path);
  });

  it('needs a token', async () => {
    const res = await req('GET', '/users');
    expect(res.status).toBe(401);
    expectErrorBody(res.body, 'NOT_AUTHENTICATED');
  });
});

describe('GET /users/{id}', () => {
  it('answers the caller with the full record', async () => {
    const res = await req<UserOut>('GET', `/users/${me.user.id}`, { token: me.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
    expect(res.body).toMatchObject({ id: me.user.id, email: me.account.email, full_name: 'Me Myself' });
  });

  it("answers someone else's public profile only", async () => {
    const res = await req('GET', `/users/${other.user.id}`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: other.user.id,
      username: other.account.username,
      full_name: 'Other One',
      bio: 'theirs',
      created_at: other.user.created_at,
    });
  });

  it('answers 404 USER_NOT_FOUND for an absent or deactivated account', async () => {
    for (const id of [987654, hidden.id]) {
      const res = await req('GET', `/users/${id}`, { token: me.token });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'User not found', code: 'USER_NOT_FOUND' });
    }
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999'])('refuses the id %s with 422', async (id) => {
    const res = await req<{ issues: { path: unknown[] }[] }>('GET', `/users/${id}`, { token: me.token });
    expect(res.status).toBe(422);
    expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    expect(res.body.issues.map((i) => i.path)).toContainEqual(['id']);
  });
});

describe('PUT and PATCH /users/me', () => {
  it('PUT changes the fields given and answers the whole record', async () => {
    const s = await registerAndLogin(server, 'put');
    const res = await req<UserOut>('PUT', '/users/me', {
      token: s.token,
      json: {
        full_name: 'Put Name',
        bio: 'put bio',
        email: ` ${s.account.email.toUpperCase()} `.replace('@', '.new@'),
        current_password: s.account.password,
      },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
    expect(res.body).toMatchObject({
      full_name: 'Put Name',
      bio: 'put bio',
      email: s.account.email.replace('@', '.new@'),
    });
    const after = await req<UserOut>('GET', '/auth/me', { token: s.token });
    expect(after.body).toEqual(res.body);
  });

  it('PATCH changes only what it is given; null clears a field', async () => {
    const s = await registerAndLogin(server, 'patch', { full_name: 'Kept', bio: 'old' });
    const res = await req<UserOut>('PATCH', '/users/me', {
      token: s.token,
      json: { bio: null, username: `${s.account.username}_2` },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ full_name: 'Kept', bio: null, username: `${s.account.username}_2` });
    expect((await req('GET', '/auth/me', { token: s.token })).body).toMatchObject({
      full_name: 'Kept',
      bio: null,
    });
  });

  it.each([
    ['role', 'admin'],
    ['is_active', false],
    ['is_superuser', true],
    ['id', 1],
    ['password', 'a new password'],
    ['password_hash', '$argon2id$v=19$m=19456,t=2,p=1$x$y'],
  ])('refuses %s with 422 and changes nothing', async (field, value) => {
    const before = await req<UserOut>('GET', '/auth/me', { token: me.token });
    for (const method of ['PUT', 'PATCH']) {
      const res = await req<{ issues: { message: string; code: string }[] }>(method, '/users/me', {
        token: me.token,
        json: { full_name: 'Should Not Stick', [field]: value },
      });
      expect(res.status).toBe(422);
      expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
      expect(res.body.issues.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body.issues)).toContain(field);
    }
    const after = await req<UserOut>('GET', '/auth/me', { token: me.token });
    expect(after.body).toEqual(before.body);
  });

  it('refuses an invalid email or username with 422 naming the field', async () => {
    for (const [field, value] of [
      ['email', 'nope'],
      ['username', 'a b'],
      ['full_name', 'x'.repeat(201)],
    ] as const) {
      const res = await req<{ issues: { path: unknown[] }[] }>('PATCH', '/users/me', {
        token: me.token,
        json: { [field]: value },
      });
      expect(res.status).toBe(422);
      expect(res.body.issues.map((i) => i.path)).toContainEqual([field]);
    }
  });

  it('refuses a taken email (409 USER_ALREADY_EXISTS) or username in any case (409 USERNAME_TAKEN)', async () => {
    const before = await req<UserOut>('GET', '/auth/me', { token: me.token });
    const email = await req('PUT', '/users/me', {
      token: me.token,
      json: { email: other.account.email.toUpperCase(), current_password: me.account.password },
    });
    expect(email.status).toBe(409);
    expect(email.body).toEqual({ detail: 'Email already in use', code: 'USER_ALREADY_EXISTS' });
    const name = await req('PATCH', '/users/me', {
      token: me.token,
      json: { username: other.account.username.toUpperCase() },
    });
    expect(name.status).toBe(409);
    expect(name.body).toEqual({ detail: 'Username already in use', code: 'USERNAME_TAKEN' });
    expect((await req('GET', '/auth/me', { token: me.token })).body).toEqual(before.body);
  });

  it('accepts the caller keeping their own email and username, or changing only their case', async () => {
    const s = await registerAndLogin(server, 'keep');
    const res = await req<UserOut>('PUT', '/users/me', {
      token: s.token,
      json: { email: s.account.email, username: s.account.username.toUpperCase() },
    });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe(s.account.username.toUpperCase());
  });

  it('needs a token', async () => {
    const res = await req('PUT', '/users/me', { json: { bio: 'x' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('DELETE /users/me', () => {
  it('answers 204 with no body, and the same token is refused on the very next request, on both surfaces', async () => {
    const s = await registerAndLogin(server, 'del');
    const sdk = createRosterClient({ url: server.url, token: s.token });
    const res = await fetch(`${server.url}/users/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${s.token}` },
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const rest = await req('GET', '/auth/me', { token: s.token });
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toBe('Bearer');
    expectErrorBody(rest.body, 'INVALID_TOKEN');
    await expect(sdk.auth.me.query()).rejects.toMatchObject({ code: 'INVALID_TOKEN', status: 401 });
    expect((await req('DELETE', '/users/me', { token: s.token })).status).toBe(401);
    expect((await req('GET', '/users', { token: s.token })).status).toBe(401);
  });

  it('deactivation over tRPC stops the token over REST at once', async () => {
    const s = await registerAndLogin(server, 'deltrpc');
    const sdk = createRosterClient({ url: server.url, token: s.token });
    await expect(sdk.users.deactivateMe.mutate()).resolves.toBeUndefined();
    const rest = await req('GET', '/users', { token: s.token });
    expect(rest.status).toBe(401);
    await expect(sdk.users.list.query({})).rejects.toMatchObject({ code: 'INVALID_TOKEN', status: 401 });
    const all = await req<Listed[]>('GET', '/users?limit=100', { token: me.token });
    expect(all.body.map((u) => u.id)).not.toContain(s.user.id);
  });
});

describe('as an admin', () => {
  it('sees full records, and deactivated accounts only when asking for them', async () => {
    const admin = await registerAndLogin(server, 'admin');
    // There is no HTTP way to make an admin; promote directly in the database.
    await server.running.db.orm.em
      .getConnection()
      .execute(`update users set role = 'admin' where id = ${admin.user.id}`);
    const byId = await req<UserOut>('GET', `/users/${hidden.id}`, { token: admin.token });
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: hidden.id, is_active: false, email: expect.any(String) });
    const active = await req<Listed[]>('GET', '/users?limit=100', { token: admin.token });
    for (const u of active.body) expect(Object.keys(u).sort()).toEqual(USER_KEYS);
    expect(active.body.map((u) => u.id)).not.toContain(hidden.id);
    const everyone = await req<Listed[]>('GET', '/users?limit=100&active_only=false', { token: admin.token });
    expect(everyone.body.map((u) => u.id)).toContain(hidden.id);
    // The same flag from anyone else changes nothing.
    const mine = await req<Listed[]>('GET', '/users?limit=100&active_only=false', { token: me.token });
    expect(mine.body.map((u) => u.id)).not.toContain(hidden.id);
  });
});
