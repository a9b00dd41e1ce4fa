import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from './context.js';
import { AuthCache, type Invalidation, type InvalidationMessage } from './auth-cache.js';
import { watchUserChanges } from './auth-invalidation.js';
import { createHarness, errorCodeOf, PASSWORD, TEST_SETTINGS, type Harness } from './test/harness.js';
import { seededAccount } from './test/admin.js';

/**
 * The auth cache never outlives what it stands for: after each change below has returned, the next request with a
 * token that was served from the cache sees the change (refused, or the new profile).
 */
let h: Harness;
let root: { id: number; token: string };

beforeAll(async () => {
  h = await createHarness();
  root = await seededAccount(h, 'cacheroot');
});
afterAll(() => h.close());

const sid = async (token: string) => (await h.deps.tokens.verifyAccessToken(token)).sessionId;

/** Logs `username` in (a new session) and serves one request, so that session is in the cache. */
async function cachedLogin(username: string): Promise<{ token: string; refresh: string }> {
  const out = await h.caller().auth.login({ username, password: PASSWORD });
  await h.caller(out.access_token).auth.me();
  expect(h.deps.authCache.get(await sid(out.access_token))).toBeDefined();
  return { token: out.access_token, refresh: out.refresh_token };
}

const refused = async (token: string) =>
  expect(await errorCodeOf(h.caller(token).auth.me())).toBe('INVALID_TOKEN');

describe('the auth cache', () => {
  it('serves a repeated request from the cache, with a user that can still be changed and saved', async () => {
    const a = await h.account('cache_hit');
    await h.caller(a.token).auth.me();
    const entry = h.deps.authCache.get(await sid(a.token));
    expect(entry?.user).toMatchObject({ id: a.id, username: 'cache_hit' });
    expect((await h.caller(a.token).auth.me()).id).toBe(a.id);
    // The cached (detached) account is updated through the request's unit of work, and the update is seen at once.
    expect((await h.caller(a.token).users.updateMe({ bio: 'from a cached caller' })).bio).toBe(
      'from a cached caller',
    );
    expect((await h.row(a.id))?.bio).toBe('from a cached caller');
    expect((await h.caller(a.token).auth.me()).bio).toBe('from a cached caller');
  });

  it('shows a profile change on the next request', async () => {
    const a = await h.account('cache_profile');
    const { token } = await cachedLogin('cache_profile');
    await h.caller(a.token).users.updateMe({ full_name: 'New Name' });
    expect((await h.caller(token).auth.me()).full_name).toBe('New Name');
  });

  it('refuses a user who deactivated themselves', async () => {
    const a = await h.account('cache_selfoff');
    await h.caller(a.token).auth.me();
    await h.caller(a.token).users.deactivateMe();
    await refused(a.token);
  });

  it('refuses a user an admin deactivated, and shows a role change', async () => {
    const a = await h.account('cache_adminoff');
    const { token } = await cachedLogin('cache_adminoff');
    await h.caller(root.token).admin.updateUser({ id: a.id, role: 'admin' });
    expect((await h.caller(token).auth.me()).role).toBe('admin');
    await h.caller(root.token).admin.updateUser({ id: a.id, role: 'user' });
    expect(await errorCodeOf(h.caller(token).admin.stats())).toBe('FORBIDDEN');
    await h.caller(root.token).admin.updateUser({ id: a.id, is_active: false });
    await refused(token);
  });

  it('refuses a deleted user', async () => {
    const a = await h.account('cache_deleted');
    await h.caller(a.token).auth.me();
    await h.caller(root.token).admin.deleteUser({ id: a.id });
    await refused(a.token);
  });

  it('refuses every session after an admin sets the password or revokes the sessions', async () => {
    await h.account('cache_adminpw');
    const { token } = await cachedLogin('cache_adminpw');
    const id = (await h.caller(token).auth.me()).id;
    await h.caller(root.token).admin.setPassword({ id, password: 'another password 1' });
    await refused(token);
    const next = (await h.caller().auth.login({ username: 'cache_adminpw', password: 'another password 1' }))
      .access_token;
    await h.caller(next).auth.me();
    await h.caller(root.token).admin.revokeUserSessions({ id });
    await refused(next);
  });

  it('refuses the other sessions after a password change, and keeps the current one', async () => {
    const a = await h.account('cache_pw');
    const other = await cachedLogin('cache_pw');
    await h.caller(a.token).auth.me();
    await h
      .caller(a.token)
      .auth.changePassword({ current_password: PASSWORD, new_password: 'brand new pass 2' });
    await refused(other.token);
    expect((await h.caller(a.token).auth.me()).id).toBe(a.id);
  });

  it('refuses a session after logout, revocation, logout everywhere and refresh-token reuse', async () => {
    const a = await h.account('cache_sessions');
    const one = await cachedLogin('cache_sessions');
    const two = await cachedLogin('cache_sessions');
    const three = await cachedLogin('cache_sessions');
    await h.caller(one.token).auth.logout();
    await refused(one.token);
    await h.caller(a.token).auth.revokeSession({ id: await sid(two.token) });
    await refused(two.token);
    // Refresh, then show the spent token again after the grace window: the session ends.
    await h.caller().auth.refresh({ refresh_token: three.refresh });
    const spent = await h.db.orm.em.fork().getConnection();
    await spent.execute('update refresh_tokens set spent_at = ? where spent_at is not null', [
      h.db.kind === 'sqlite' ? 0 : new Date(0),
    ]);
    expect(await errorCodeOf(h.caller().auth.refresh({ refresh_token: three.refresh }))).toBe(
      'INVALID_REFRESH_TOKEN',
    );
    await refused(three.token);
    const four = await cachedLogin('cache_sessions');
    await h.caller(a.token).auth.logoutAll();
    await refused(four.token);
    await refused(a.token);
  });

  it('refuses after a change written outside any request (a script flushing the row)', async () => {
    const a = await h.account('cache_script');
    await h.caller(a.token).auth.me();
    await h.setColumns(a.id, { isActive: false });
    await refused(a.token);
  });

  it('is shared by nothing else: two API instances on one database tell each other through their bus', async () => {
    const listeners: ((m: InvalidationMessage) => void)[] = [];
    const bus: Invalidation = {
      publish: (m) => Promise.resolve(listeners.forEach((l) => l(m))),
      subscribe: (l) => void listeners.push(l),
    };
    const one = createApiDeps(h.db.orm, TEST_SETTINGS, { authCache: new AuthCache({ bus }) });
    const two = createApiDeps(h.db.orm, TEST_SETTINGS, { authCache: new AuthCache({ bus }) });
    // Only the instance that writes watches its writes: the other learns of them through the bus alone.
    watchUserChanges(h.db.orm, one.authCache);
    const a = await h.account('cache_two');
    await h.caller(a.token, two).auth.me();
    expect(two.authCache.get(await sid(a.token))).toBeDefined();
    await h.caller(a.token, one).users.updateMe({ bio: 'changed on one' });
    expect((await h.caller(a.token, two).auth.me()).bio).toBe('changed on one');
    await h.caller(a.token, one).auth.logout();
    expect(await errorCodeOf(h.caller(a.token, two).auth.me())).toBe('INVALID_TOKEN');
  });
});
