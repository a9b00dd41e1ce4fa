import { appRouter } from '@roster/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_USER_KEYS, registerAndLogin, USER_KEYS, type Session } from '../test/accounts.js';
import { ADMIN_ROUTES, createUser, type AdminUser } from '../test/admin.js';
import {
  expectUnchanged,
  observe,
  startAttackTarget,
  trpcBatch,
  trpcCall,
  trpcError,
  type AdminSession,
  type TrpcKind,
} from '../test/security.js';

// Broken object- and function-level authorization: a regular account walks every `{id}` route and calls every
// admin procedure, over REST, over tRPC and inside tRPC batches. Nothing is disclosed beyond the public profile,
// every admin call is 403, and an admin's reads afterwards show that nothing changed.

let target: AdminSession;
let mallory: Session;
let alice: Session;
let hidden: AdminUser;

beforeAll(async () => {
  target = await startAttackTarget();
  alice = await registerAndLogin(target.server, 'alice', { full_name: 'Alice', bio: 'private?' });
  mallory = await registerAndLogin(target.server, 'mallory');
  hidden = (await createUser(target.server, target.rootToken, 'hidden', { is_active: false })).user;
});
afterAll(() => target.server.close());

/** Every admin procedure with an input an admin could send successfully. */
function adminCalls(): Record<string, { kind: TrpcKind; input?: unknown }> {
  const id = alice.user.id;
  return {
    'admin.listUsers': { kind: 'query', input: {} },
    'admin.createUser': {
      kind: 'mutation',
      input: { email: 'evil@example.com', username: 'evil', password: 'evil-password', role: 'admin' },
    },
    'admin.getUser': { kind: 'query', input: { id } },
    'admin.updateUser': { kind: 'mutation', input: { id: mallory.user.id, role: 'admin' } },
    'admin.setPassword': { kind: 'mutation', input: { id, password: 'owned-password' } },
    'admin.deleteUser': { kind: 'mutation', input: { id } },
    'admin.userSessions': { kind: 'query', input: { id } },
    'admin.revokeUserSessions': { kind: 'mutation', input: { id } },
    'admin.stats': { kind: 'query' },
    'admin.audit': { kind: 'query', input: {} },
    'admin.userApiKeys': { kind: 'query', input: { id } },
    'admin.revokeApiKey': { kind: 'mutation', input: { id: 1 } },
    'admin.impersonate': { kind: 'mutation', input: { id, reason: 'taking over' } },
    'admin.webhooks.create': {
      kind: 'mutation',
      input: { url: 'http://93.184.215.14/hook', events: ['user.created'] },
    },
    'admin.webhooks.list': { kind: 'query' },
    'admin.webhooks.get': { kind: 'query', input: { id: 1 } },
    'admin.webhooks.update': { kind: 'mutation', input: { id: 1, enabled: false } },
    'admin.webhooks.delete': { kind: 'mutation', input: { id: 1 } },
    'admin.webhooks.rotateSecret': { kind: 'mutation', input: { id: 1 } },
    'admin.webhooks.test': { kind: 'mutation', input: { id: 1 } },
    'admin.webhooks.deliveries': { kind: 'query', input: { id: 1 } },
    'admin.webhooks.attempts': { kind: 'query', input: { id: 1, delivery_id: 'msg_AAAAAAAAAAAAAAAAAAAAAA' } },
    'admin.webhooks.retry': { kind: 'mutation', input: { id: 1, delivery_id: 'msg_AAAAAAAAAAAAAAAAAAAAAA' } },
    'admin.resetMfa': { kind: 'mutation', input: { id } },
  };
}

describe('function level: admin procedures called by a regular account', () => {
  it('the table covers every admin procedure the router has', () => {
    const procedures = Object.keys(appRouter._def.procedures).filter((p) => p.startsWith('admin.'));
    expect(Object.keys(adminCalls()).sort()).toEqual(procedures.sort());
  });

  it('REST: every admin route is 403 FORBIDDEN and nothing changes', async () => {
    const before = await observe(target);
    const routes = [
      ...ADMIN_ROUTES.map((r) => ({ ...r, path: r.path.replace('/1', `/${alice.user.id}`) })),
      { method: 'PATCH', path: `/admin/users/${mallory.user.id}`, json: { role: 'admin' } },
      { method: 'PATCH', path: `/admin/users/${mallory.user.id}`, json: { is_active: true, role: 'admin' } },
    ];
    for (const route of routes) {
      const res = await target.req(route.method, route.path, { token: mallory.token, json: route.json });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.body).toEqual({ detail: 'Admin privileges required', code: 'FORBIDDEN' });
    }
    expectUnchanged(before, await observe(target));
  });

  it('tRPC: every admin procedure alone is 403 FORBIDDEN and nothing changes', async () => {
    const before = await observe(target);
    for (const [path, call] of Object.entries(adminCalls())) {
      const res = await trpcCall(target.server, call.kind, path, call.input, mallory.token);
      expect(res.status, path).toBe(403);
      expect(trpcError(res.body)).toEqual({ code: 'FORBIDDEN', httpStatus: 403 });
    }
    expectUnchanged(before, await observe(target));
  });

  it('tRPC batches: admin calls hidden among allowed ones are each 403; the allowed ones succeed', async () => {
    const before = await observe(target);
    const calls = Object.entries(adminCalls());
    for (const kind of ['query', 'mutation'] as const) {
      const admin = calls.filter(([, c]) => c.kind === kind).map(([path, c]) => ({ path, input: c.input }));
      const allowed =
        kind === 'query' ? { path: 'auth.me' } : { path: 'users.patchMe', input: { bio: 'innocent' } };
      // A batch holds at most ten calls: the admin calls go eight at a time between two allowed ones.
      for (let i = 0; i < admin.length; i += 8) {
        const batch = [allowed, ...admin.slice(i, i + 8), allowed];
        const res = await trpcBatch<unknown[]>(target.server, kind, batch, mallory.token);
        expect(res.body).toHaveLength(batch.length);
        expect(res.body[0]).toHaveProperty('result');
        expect(res.body.at(-1)).toHaveProperty('result');
        for (const entry of res.body.slice(1, -1)) {
          expect(trpcError(entry)).toEqual({ code: 'FORBIDDEN', httpStatus: 403 });
        }
      }
    }
    const after = await observe(target);
    // Only mallory's own bio moved (the allowed call); nothing an admin call wanted.
    const strip = (o: typeof before) => ({
      ...o,
      users: o.users.map((u) =>
        u.id === mallory.user.id ? { ...u, bio: null, updated_at: '', version: 0 } : u,
      ),
    });
    expectUnchanged(strip(before), strip(after));
    expect(after.users.find((u) => u.id === mallory.user.id)).toMatchObject({
      role: 'user',
      bio: 'innocent',
    });
  });

  it('no token: every admin route and procedure is 401 NOT_AUTHENTICATED', async () => {
    for (const route of ADMIN_ROUTES) {
      const res = await target.req(route.method, route.path, { json: route.json });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
    }
    for (const [path, call] of Object.entries(adminCalls())) {
      const res = await trpcCall(target.server, call.kind, path, call.input);
      expect(trpcError(res.body), path).toEqual({ code: 'NOT_AUTHENTICATED', httpStatus: 401 });
    }
  });

  it('path and method tricks do not reach an admin procedure', async () => {
    const before = await observe(target);
    const attempts: [string, string][] = [
      ['GET', '/admin/users/'],
      ['GET', '/admin//users'],
      ['GET', '/ADMIN/USERS'],
      ['GET', '/users/../admin/users'],
      ['GET', '/users/%2e%2e/admin/users'],
      ['GET', '/admin/users%2F1'],
      ['GET', '/trpc/admin.stats/'],
      ['GET', '/trpc//admin.stats'],
      ['GET', '/TRPC/admin.stats'],
      ['GET', '/trpc/admin%2Estats'],
      ['POST', '/trpc/admin.stats'],
      ['GET', '/trpc/admin.deleteUser?input=' + encodeURIComponent(JSON.stringify({ id: alice.user.id }))],
    ];
    for (const [method, path] of attempts) {
      const res = await fetch(`${target.server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${mallory.token}`, 'x-http-method-override': 'DELETE' },
      });
      const text = await res.text();
      expect(res.status, `${method} ${path} ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path} ${text}`).toBeLessThan(500);
    }
    expectUnchanged(before, await observe(target));
  });
});

describe('object level: every {id} route walked by another account', () => {
  it('GET /users/{id} and users.byId show others only their public profile; deactivated ones not at all', async () => {
    const all = (await observe(target)).users;
    const maxId = Math.max(...all.map((u) => u.id));
    for (let id = 1; id <= maxId + 2; id += 1) {
      const row = all.find((u) => u.id === id);
      const rest = await target.req('GET', `/users/${id}`, { token: mallory.token });
      const rpc = await trpcCall(target.server, 'query', 'users.byId', { id }, mallory.token);
      if (id === mallory.user.id) {
        expect(Object.keys(rest.body).sort()).toEqual(USER_KEYS);
      } else if (!row || !row.is_active) {
        expect(rest.status, `id ${id}`).toBe(404);
        expect(rest.body).toEqual({ detail: 'User not found', code: 'USER_NOT_FOUND' });
        expect(trpcError(rpc.body)).toEqual({ code: 'USER_NOT_FOUND', httpStatus: 404 });
      } else {
        expect(rest.status).toBe(200);
        expect(Object.keys(rest.body).sort(), `id ${id}`).toEqual(PUBLIC_USER_KEYS);
        expect(JSON.stringify(rest.body)).not.toContain(row.email);
        expect((rpc.body as { result: { data: unknown } }).result.data).toEqual(rest.body);
      }
    }
    expect(all.some((u) => u.id === hidden.id && !u.is_active)).toBe(true);
  });

  it('GET /users lists others as public profiles only, and no deactivated account', async () => {
    const res = await target.req<Record<string, unknown>[]>('GET', '/users?limit=100&active_only=false', {
      token: mallory.token,
    });
    expect(res.status).toBe(200);
    for (const user of res.body) {
      if (user.id === mallory.user.id) continue;
      expect(Object.keys(user).sort()).toEqual(PUBLIC_USER_KEYS);
    }
    expect(res.body.map((u) => u.id)).not.toContain(hidden.id);
  });

  it('/admin/users/{id} in every method is 403 for every id, existing or not', async () => {
    const before = await observe(target);
    for (const id of [alice.user.id, target.root.id, hidden.id, mallory.user.id, 999_999]) {
      for (const [method, suffix, json] of [
        ['GET', '', undefined],
        ['PATCH', '', { bio: 'x' }],
        ['DELETE', '', undefined],
        ['POST', '/password', { password: 'owned-password' }],
      ] as const) {
        const res = await target.req(method, `/admin/users/${id}${suffix}`, { token: mallory.token, json });
        expect(res.status, `${method} ${id}${suffix}`).toBe(403);
      }
    }
    expectUnchanged(before, await observe(target));
  });

  it("/users/me routes act on the caller only: alice's account is untouched by mallory's edits", async () => {
    const before = (await observe(target)).users.find((u) => u.id === alice.user.id);
    for (const json of [{ id: alice.user.id, bio: 'x' }, { user_id: alice.user.id }]) {
      const res = await target.req('PATCH', '/users/me', { token: mallory.token, json });
      expect(res.status).toBe(422);
    }
    const res = await target.req('PATCH', `/users/me?id=${alice.user.id}`, {
      token: mallory.token,
      json: { bio: 'mine' },
    });
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) expect(res.body).toMatchObject({ id: mallory.user.id });
    expect((await observe(target)).users.find((u) => u.id === alice.user.id)).toEqual(before);
  });
});
