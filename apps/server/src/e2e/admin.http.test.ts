import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, login, registerAndLogin } from '../test/accounts.js';
import {
  ADMIN_ROUTES,
  ADMIN_USER_KEYS,
  createUser,
  ROOT,
  startWithRoot,
  tokenFor,
  type AdminSession,
  type AdminUser,
} from '../test/admin.js';

// The admin REST surface: who may use it; creating, reading, updating and re-passwording accounts; the stats.
let s: AdminSession;
let userToken: string;

beforeAll(async () => {
  s = await startWithRoot();
  userToken = (await registerAndLogin(s.server, 'plain')).token;
});
afterAll(() => s.server.close());

describe('access', () => {
  it.each(ADMIN_ROUTES)('$method $path answers 401 without a valid token', async ({ method, path, json }) => {
    for (const token of [undefined, 'not.a.token']) {
      const res = await s.req(method, path, { token, json });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expectErrorBody(res.body, token ? 'INVALID_TOKEN' : 'NOT_AUTHENTICATED');
    }
  });

  it.each(ADMIN_ROUTES)('$method $path answers 403 FORBIDDEN to a user', async ({ method, path, json }) => {
    const res = await s.req(method, path, { token: userToken, json });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ detail: 'Admin privileges required', code: 'FORBIDDEN' });
  });

  it('refuses a user before looking at the input, and changes nothing', async () => {
    const bad = await s.req('POST', '/admin/users', { token: userToken, json: { nonsense: true } });
    expect(bad.status).toBe(403);
    const del = await s.req('DELETE', `/admin/users/${s.root.id}`, { token: userToken });
    expect(del.status).toBe(403);
    expect((await s.req('GET', `/admin/users/${s.root.id}`, { token: s.rootToken })).status).toBe(200);
  });
});

describe('POST /admin/users', () => {
  it('answers 201 with the role and status chosen', async () => {
    const { account, user } = await createUser(s.server, s.rootToken, 'made', {
      role: 'admin',
      is_active: false,
      full_name: 'Made Byadmin',
    });
    expect(Object.keys(user).sort()).toEqual(ADMIN_USER_KEYS);
    expect(user).toMatchObject({
      email: account.email,
      role: 'admin',
      is_superuser: true,
      is_active: false,
      full_name: 'Made Byadmin',
      last_login_at: null,
      version: 1,
    });
    const refused = await login(s.server, account.email, account.password);
    expect(refused.status).toBe(403);
    expectErrorBody(refused.body, 'ACCOUNT_DEACTIVATED');
  });

  it('defaults to an active user; the account can log in', async () => {
    const { account, user } = await createUser(s.server, s.rootToken, 'plain');
    expect(user).toMatchObject({ role: 'user', is_active: true, version: 1 });
    expect((await login(s.server, account.username, account.password)).status).toBe(200);
  });

  it('refuses taken emails and usernames with 409, unknown fields and bad values with 422', async () => {
    const { account } = await createUser(s.server, s.rootToken, 'taken');
    const dupEmail = await s.req('POST', '/admin/users', {
      token: s.rootToken,
      json: { email: account.email.toUpperCase(), username: 'other_name', password: 'long enough' },
    });
    expect(dupEmail.status).toBe(409);
    expectErrorBody(dupEmail.body, 'USER_ALREADY_EXISTS');
    const dupName = await s.req('POST', '/admin/users', {
      token: s.rootToken,
      json: { email: 'other@example.com', username: account.username.toUpperCase(), password: 'long enough' },
    });
    expect(dupName.status).toBe(409);
    expectErrorBody(dupName.body, 'USERNAME_TAKEN');
    for (const extra of [{ version: 3 }, { role: 'owner' }, { password: 'short' }, { username: 'a b' }]) {
      const res = await s.req('POST', '/admin/users', {
        token: s.rootToken,
        json: { email: 'x1@example.com', username: 'x1_name', password: 'long enough', ...extra },
      });
      expect(res.status, JSON.stringify(extra)).toBe(422);
      expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    }
  });
});

describe('GET /admin/users/{id}', () => {
  it('answers the full record, last_login_at and version included', async () => {
    const { user, account } = await createUser(s.server, s.rootToken, 'full', { bio: 'about me' });
    const before = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
    expect(before.status).toBe(200);
    expect(before.body).toEqual(user);
    await tokenFor(s.server, account.email, account.password);
    const after = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
    expect(after.body.last_login_at).toEqual(expect.any(String));
    expect(Date.parse(after.body.last_login_at!)).toBeGreaterThanOrEqual(Date.parse(user.created_at));
    // Logging in is bookkeeping, not an edit: the version stays.
    expect(after.body).toMatchObject({ version: 1, bio: 'about me' });
  });

  it('answers 404 for an absent account and 422 for a bad id', async () => {
    const missing = await s.req('GET', '/admin/users/987654', { token: s.rootToken });
    expect(missing.status).toBe(404);
    expectErrorBody(missing.body, 'USER_NOT_FOUND');
    for (const id of ['abc', '0', '1.5']) {
      expect((await s.req('GET', `/admin/users/${id}`, { token: s.rootToken })).status).toBe(422);
    }
  });
});

describe('PATCH /admin/users/{id}', () => {
  it('changes email, username, full_name, bio, role and is_active, bumping the version', async () => {
    const { user } = await createUser(s.server, s.rootToken, 'edit');
    const changes = {
      email: `  ${user.email.toUpperCase().replace('@', '.NEW@')}`,
      username: `${user.username}_new`,
      full_name: 'Edited Name',
      bio: 'edited',
      role: 'admin',
      is_active: false,
    };
    const res = await s.req<AdminUser>('PATCH', `/admin/users/${user.id}`, {
      token: s.rootToken,
      json: changes,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ...changes,
      email: user.email.replace('@', '.new@'),
      is_superuser: true,
      version: 2,
    });
    const again = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
    expect(again.body).toEqual(res.body);
    const cleared = await s.req<AdminUser>('PATCH', `/admin/users/${user.id}`, {
      token: s.rootToken,
      json: { full_name: null, bio: null },
    });
    expect(cleared.body).toMatchObject({
      full_name: null,
      bio: null,
      version: 3,
      username: changes.username,
    });
  });

  it.each([{ password: 'new password 1' }, { version: 9 }, { is_superuser: true }, { created_at: 'x' }])(
    'refuses the unknown or read-only field %o with 422',
    async (json) => {
      const { user } = await createUser(s.server, s.rootToken, 'strict');
      const res = await s.req('PATCH', `/admin/users/${user.id}`, { token: s.rootToken, json });
      expect(res.status).toBe(422);
      expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
      const after = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
      expect(after.body.version).toBe(1);
    },
  );

  it('answers 404 for an absent account and 409 for a taken email', async () => {
    const missing = await s.req('PATCH', '/admin/users/987654', { token: s.rootToken, json: { bio: 'x' } });
    expect(missing.status).toBe(404);
    const withVersion = await s.req('PATCH', '/admin/users/987654', {
      token: s.rootToken,
      json: { bio: 'x' },
      headers: { 'if-match': '"1"' },
    });
    expect(withVersion.status).toBe(404);
    const { user } = await createUser(s.server, s.rootToken, 'clash');
    const taken = await s.req('PATCH', `/admin/users/${user.id}`, {
      token: s.rootToken,
      json: { email: 'ROOT@example.com' },
    });
    expect(taken.status).toBe(409);
    expectErrorBody(taken.body, 'USER_ALREADY_EXISTS');
  });

  it('compares versions: If-Match or expected_version, a stale one is 409 VERSION_CONFLICT', async () => {
    const { user } = await createUser(s.server, s.rootToken, 'cas');
    const patch = (json: object, ifMatch?: string) =>
      s.req<AdminUser>('PATCH', `/admin/users/${user.id}`, {
        token: s.rootToken,
        json,
        ...(ifMatch ? { headers: { 'if-match': ifMatch } } : {}),
      });
    expect((await patch({ bio: 'one' }, '"1"')).body.version).toBe(2);
    const stale = await patch({ bio: 'lost' }, '"1"');
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    expect((await patch({ bio: 'two' }, 'W/"2"')).body.version).toBe(3);
    expect((await patch({ bio: 'lost', expected_version: 2 })).status).toBe(409);
    expect((await patch({ bio: 'three', expected_version: 3 })).body).toMatchObject({
      bio: 'three',
      version: 4,
    });
    const current = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
    expect(current.body).toMatchObject({ bio: 'three', version: 4 });
  });

  it('lets exactly one of two concurrent PATCHes with the same If-Match win', async () => {
    const { user } = await createUser(s.server, s.rootToken, 'race');
    for (let round = 0; round < 3; round++) {
      const { body: now } = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
      const send = (bio: string) =>
        s.req<AdminUser>('PATCH', `/admin/users/${user.id}`, {
          token: s.rootToken,
          json: { bio },
          headers: { 'if-match': `"${now.version}"` },
        });
      const results = await Promise.all([send(`a${round}`), send(`b${round}`)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.status === 200)!.body;
      const loser = results.find((r) => r.status === 409)!.body as unknown as { code: string };
      expect(loser.code).toBe('VERSION_CONFLICT');
      const after = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
      expect(after.body).toMatchObject({ bio: winner.bio, version: now.version + 1 });
    }
  });
});

describe('POST /admin/users/{id}/password', () => {
  it('answers 204; the user logs in with the new password only', async () => {
    const { user, account } = await createUser(s.server, s.rootToken, 'pw');
    const res = await s.req('POST', `/admin/users/${user.id}/password`, {
      token: s.rootToken,
      json: { password: 'brand new secret' },
    });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect((await login(s.server, account.email, account.password)).status).toBe(401);
    expect((await login(s.server, account.email, 'brand new secret')).status).toBe(200);
  });

  it('refuses a short password or extra fields with 422, and an absent account with 404', async () => {
    const { user } = await createUser(s.server, s.rootToken, 'pw2');
    for (const json of [{ password: 'short' }, { password: 'long enough', old_password: 'x' }, {}]) {
      const res = await s.req('POST', `/admin/users/${user.id}/password`, { token: s.rootToken, json });
      expect(res.status, JSON.stringify(json)).toBe(422);
    }
    // An id in the body cannot redirect the change: the path names the account.
    const redirected = await s.req('POST', `/admin/users/${user.id}/password`, {
      token: s.rootToken,
      json: { id: s.root.id, password: 'not roots password' },
    });
    expect(redirected.status).toBe(204);
    expect((await login(s.server, ROOT.email, ROOT.password)).status).toBe(200);
    const missing = await s.req('POST', '/admin/users/987654/password', {
      token: s.rootToken,
      json: { password: 'long enough' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('GET /admin/stats', () => {
  it('counts accounts and sign-ups per day for the last 30 days', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await createUser(s.server, s.rootToken, 'idle', { is_active: false });
    const { body: all } = await s.req<{ total: number; items: AdminUser[] }>(
      'GET',
      '/admin/users?limit=100&include_total=true',
      {
        token: s.rootToken,
      },
    );
    const res = await s.req<{
      total: number;
      active: number;
      inactive: number;
      admins: number;
      signups_per_day: { date: string; count: number }[];
    }>('GET', '/admin/stats', { token: s.rootToken });
    expect(res.status).toBe(200);
    const active = all.items.filter((u) => u.is_active).length;
    expect(res.body).toMatchObject({
      total: all.total,
      active,
      inactive: all.total - active,
      admins: all.items.filter((u) => u.role === 'admin').length,
    });
    const days = res.body.signups_per_day;
    expect(days).toHaveLength(30);
    for (let i = 1; i < days.length; i++) {
      expect(Date.parse(days[i]!.date) - Date.parse(days[i - 1]!.date)).toBe(86_400_000);
    }
    // Every account here was made today (unless the run straddles midnight UTC).
    if (new Date().toISOString().slice(0, 10) === today) {
      expect(days.at(-1)).toEqual({ date: today, count: all.total });
      expect(days.slice(0, -1).every((d) => d.count === 0)).toBe(true);
    }
  });
});
