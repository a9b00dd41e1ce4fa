import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, registerAndLogin } from '../test/accounts.js';
import {
  createAndLogin,
  createUser,
  startWithRoot,
  type AdminSession,
  type AdminUser,
} from '../test/admin.js';

// What must always hold: an active admin remains, and every change binds the target's very next request.
let s: AdminSession;

beforeAll(async () => {
  s = await startWithRoot();
});
afterAll(() => s.server.close());

const patch = (token: string, id: number, json: object) =>
  s.req<AdminUser>('PATCH', `/admin/users/${id}`, { token, json });
const activeAdmins = async () =>
  (
    await s.req<{ total: number }>('GET', '/admin/users?role=admin&is_active=true&include_total=true', {
      token: s.rootToken,
    })
  ).body.total;

describe('the last active admin', () => {
  it('cannot be demoted or deactivated: 409 LAST_ADMIN, nothing changes', async () => {
    for (const json of [{ role: 'user' }, { is_active: false }, { role: 'user', is_active: false }]) {
      const res = await patch(s.rootToken, s.root.id, json);
      expect(res.status, JSON.stringify(json)).toBe(409);
      expectErrorBody(res.body, 'LAST_ADMIN');
    }
    const after = await s.req<AdminUser>('GET', `/admin/users/${s.root.id}`, { token: s.rootToken });
    expect(after.body).toMatchObject({ role: 'admin', is_active: true, version: s.root.version });
  });

  it('still counts as last when the only other admin is deactivated', async () => {
    await createUser(s.server, s.rootToken, 'sleeper', { role: 'admin', is_active: false });
    const res = await patch(s.rootToken, s.root.id, { is_active: false });
    expect(res.status).toBe(409);
    expectErrorBody(res.body, 'LAST_ADMIN');
    // Unrelated edits to the last admin still go through.
    const bio = await patch(s.rootToken, s.root.id, { bio: 'still here', role: 'admin', is_active: true });
    expect(bio.status).toBe(200);
    expect(bio.body).toMatchObject({ bio: 'still here', role: 'admin' });
  });

  it('can step down once another active admin exists, who then is the last', async () => {
    const other = await createAndLogin(s.server, s.rootToken, 'second', { role: 'admin' });
    // The other admin demotes root: root's token stops opening admin routes on its next request.
    expect((await patch(other.token, s.root.id, { role: 'user' })).status).toBe(200);
    const refused = await s.req('GET', '/admin/stats', { token: s.rootToken });
    expect(refused.status).toBe(403);
    expectErrorBody(refused.body, 'FORBIDDEN');
    expect((await s.req('GET', '/auth/me', { token: s.rootToken })).status).toBe(200);
    // Now the other admin is the last one.
    for (const json of [{ role: 'user' }, { is_active: false }]) {
      const res = await patch(other.token, other.user.id, json);
      expect(res.status).toBe(409);
      expectErrorBody(res.body, 'LAST_ADMIN');
    }
    // Promoting root back reopens the admin routes to the very same token.
    expect((await patch(other.token, s.root.id, { role: 'admin' })).status).toBe(200);
    expect((await s.req('GET', '/admin/stats', { token: s.rootToken })).status).toBe(200);
    // Deactivating the other admin stops its token at once.
    expect((await patch(s.rootToken, other.user.id, { is_active: false })).status).toBe(200);
    const dead = await s.req('GET', '/admin/stats', { token: other.token });
    expect(dead.status).toBe(401);
    expectErrorBody(dead.body, 'INVALID_TOKEN');
    expect(await activeAdmins()).toBe(1);
  });
});

describe('changes bind the next request', () => {
  it("a deactivated user's token stops working at once", async () => {
    const u = await registerAndLogin(s.server, 'victim');
    expect((await s.req('GET', '/auth/me', { token: u.token })).status).toBe(200);
    expect((await patch(s.rootToken, u.user.id, { is_active: false })).body.is_active).toBe(false);
    for (const [method, path] of [
      ['GET', '/auth/me'],
      ['GET', '/users'],
      ['GET', `/users/${u.user.id}`],
    ] as const) {
      const res = await s.req(method, path, { token: u.token });
      expect(res.status, path).toBe(401);
      expectErrorBody(res.body, 'INVALID_TOKEN');
    }
  });

  it("a promoted user's token opens the admin routes at once; demoted, it stops", async () => {
    const u = await registerAndLogin(s.server, 'climber');
    expect((await s.req('GET', '/admin/users', { token: u.token })).status).toBe(403);
    expect((await patch(s.rootToken, u.user.id, { role: 'admin' })).body.role).toBe('admin');
    const listed = await s.req('GET', '/admin/users', { token: u.token });
    expect(listed.status).toBe(200);
    const me = await s.req<{ role: string; is_superuser: boolean }>('GET', '/auth/me', { token: u.token });
    expect(me.body).toMatchObject({ role: 'admin', is_superuser: true });
    expect((await patch(s.rootToken, u.user.id, { role: 'user' })).body.role).toBe('user');
    for (const [method, path] of [
      ['GET', '/admin/users'],
      ['GET', '/admin/audit'],
      ['DELETE', `/admin/users/${s.root.id}`],
    ] as const) {
      expect((await s.req(method, path, { token: u.token })).status, path).toBe(403);
    }
  });
});
