import type { RosterClient } from '@roster/sdk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, type NewAccount } from '../test/accounts.js';
import {
  auditLog,
  createAndLogin,
  ROOT,
  sdk,
  sdkFailure,
  startWithRoot,
  type AdminSession,
  type AdminUser,
} from '../test/admin.js';
import { http } from '../test/harness.js';

// Impersonation over HTTP, on both surfaces: REST, and tRPC through the real SDK (`admin.impersonate()` and the
// client it answers). Who may be impersonated, what the token carries, GET /auth/me (hot path included), every
// refused operation, the audit trail of writes, and every way it ends.

interface Started {
  access_token: string;
  token_type: string;
  expires_in: number;
  session_id: string;
  user: { id: number; email: string };
}

const REASON = 'Ticket 4711: the profile shows the wrong name';
let s: AdminSession;
let req: AdminSession['req'];
let root: RosterClient;
let bob: { account: NewAccount; user: AdminUser; token: string };

beforeAll(async () => {
  s = await startWithRoot();
  req = s.req;
  root = sdk(s.server, s.rootToken);
  bob = await createAndLogin(s.server, s.rootToken, 'bob');
});
afterAll(() => s.server.close());

async function impersonate(id: number, token = s.rootToken, reason = REASON) {
  return req<Started>('POST', `/admin/users/${id}/impersonate`, { token, json: { reason } });
}

async function started(id = bob.user.id): Promise<Started> {
  const res = await impersonate(id);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe('POST /admin/users/{id}/impersonate', () => {
  it('answers an access token for the account with act.sub, no refresh token, at most 15 minutes', async () => {
    const res = await impersonate(bob.user.id);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'session_id',
      'token_type',
      'user',
    ]);
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      user: { id: bob.user.id, email: bob.user.email },
    });
    expect(res.body.expires_in).toBeLessThanOrEqual(15 * 60);
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: String(bob.user.id), act: { sub: String(s.root.id) } });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15 * 60);
    const [event] = await auditLog(s, { action: 'admin.impersonation_started', target_id: bob.user.id });
    expect(event).toMatchObject({
      actor_id: s.root.id,
      details: { reason: REASON, session_id: res.body.session_id },
    });
  });

  it('is refused for oneself, another admin, a non-admin caller, an API key, and without a reason', async () => {
    const self = await impersonate(s.root.id);
    expect(self.status).toBe(409);
    expectErrorBody(self.body, 'CANNOT_IMPERSONATE_SELF');
    const deputy = await createAndLogin(s.server, s.rootToken, 'deputy', { role: 'admin' });
    const admin = await impersonate(deputy.user.id);
    expect(admin.status).toBe(403);
    expectErrorBody(admin.body, 'CANNOT_IMPERSONATE_ADMIN');
    const byUser = await impersonate(deputy.user.id, bob.token);
    expect(byUser.status).toBe(403);
    expectErrorBody(byUser.body, 'FORBIDDEN');
    const key = await req<{ key: string }>('POST', '/auth/api-keys', {
      token: s.rootToken,
      json: { name: 'ops', scopes: ['admin:read', 'admin:write'] },
    });
    const byKey = await impersonate(bob.user.id, key.body.key);
    expect(byKey.status).toBe(403);
    expectErrorBody(byKey.body, 'FORBIDDEN_FOR_API_KEY');
    const noReason = await req('POST', `/admin/users/${bob.user.id}/impersonate`, {
      token: s.rootToken,
      json: {},
    });
    expect(noReason.status).toBe(422);
    expect(await sdkFailure(root.admin.impersonate.mutate({ id: s.root.id, reason: REASON }))).toEqual({
      code: 'CANNOT_IMPERSONATE_SELF',
      status: 409,
    });
    expect(await sdkFailure(root.impersonate({ id: deputy.user.id, reason: REASON }))).toEqual({
      code: 'CANNOT_IMPERSONATE_ADMIN',
      status: 403,
    });
  });
});

describe('GET /auth/me under impersonation', () => {
  it('shows the impersonator on REST and tRPC, also once the token has been seen (hot path)', async () => {
    const { access_token: token } = await started();
    const expected = { id: bob.user.id, impersonator: { id: s.root.id, email: ROOT.email } };
    for (let i = 0; i < 2; i += 1) {
      const rest = await req('GET', '/auth/me', { token });
      expect(rest.status).toBe(200);
      expect(rest.body).toMatchObject(expected);
      const trpc = await http<{ result: { data: unknown } }>(s.server.url, 'GET', '/trpc/auth.me', { token });
      expect(trpc.body.result.data).toMatchObject(expected);
    }
    const client = sdk(s.server, token);
    expect(await client.auth.me.query()).toMatchObject(expected);
    // Bob's own token is unaffected, hot path or not.
    for (let i = 0; i < 2; i += 1) {
      expect((await req('GET', '/auth/me', { token: bob.token })).body).not.toHaveProperty('impersonator');
    }
  });
});

describe('session lists under and after impersonation', () => {
  it('GET /auth/sessions and /admin/users/{id}/sessions name the admin of an impersonation', async () => {
    const { access_token: token, session_id: id } = await started();
    type Listed = {
      id: string;
      current: boolean;
      impersonated_by: { id: number; username: string; reason: string } | null;
    };
    // The owner and admins see who opened it and why.
    const admin = { id: s.root.id, username: ROOT.username, reason: REASON };
    for (const [path, as] of [
      ['/auth/sessions', token],
      ['/auth/sessions', bob.token],
      [`/admin/users/${bob.user.id}/sessions`, s.rootToken],
    ] as const) {
      const res = await req<Listed[]>('GET', path, { token: as });
      expect(res.status, path).toBe(200);
      expect(res.body.find((x) => x.id === id)?.impersonated_by, path).toEqual(admin);
      expect(res.body.filter((x) => x.impersonated_by === null).length, path).toBeGreaterThan(0);
    }
  });
});

describe('what an impersonation token may not do', () => {
  it('REST: passwords, email, keys, sessions, deactivation and admin answer 403 FORBIDDEN_WHILE_IMPERSONATING', async () => {
    const { access_token: token } = await started();
    const refused: [string, string, unknown?][] = [
      [
        'POST',
        '/auth/password/change',
        { current_password: bob.account.password, new_password: 'taken over 1' },
      ],
      ['PATCH', '/users/me', { email: 'elsewhere@example.com', current_password: bob.account.password }],
      ['PUT', '/users/me', { email: 'elsewhere@example.com', current_password: bob.account.password }],
      ['POST', '/auth/verify/request'],
      ['POST', '/auth/api-keys', { name: 'backdoor', scopes: ['profile:read'] }],
      ['GET', '/auth/api-keys'],
      ['DELETE', '/auth/api-keys/1'],
      ['POST', '/auth/logout-all'],
      ['DELETE', '/users/me'],
      ['GET', '/admin/stats'],
      ['GET', `/admin/users/${bob.user.id}`],
      ['POST', `/admin/users/${bob.user.id}/impersonate`, { reason: REASON }],
    ];
    for (const [method, path, json] of refused) {
      const res = await req(method, path, { token, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expectErrorBody(res.body, 'FORBIDDEN_WHILE_IMPERSONATING');
    }
    const record = await req<AdminUser>('GET', `/admin/users/${bob.user.id}`, { token: s.rootToken });
    expect(record.body).toMatchObject({ email: bob.user.email, is_active: true, version: bob.user.version });
    expect((await req('GET', '/auth/me', { token: bob.token })).status).toBe(200);
  });

  it('tRPC (SDK): the same refusals', async () => {
    const { client } = await root.impersonate({ id: bob.user.id, reason: REASON });
    const refused: [string, () => Promise<unknown>][] = [
      [
        'changePassword',
        () =>
          client.auth.changePassword.mutate({
            current_password: bob.account.password,
            new_password: 'taken over 1',
          }),
      ],
      [
        'email change',
        () => client.users.patchMe.mutate({ email: 'elsewhere@example.com', current_password: 'x' }),
      ],
      ['apiKeys.create', () => client.apiKeys.create({ name: 'backdoor', scopes: ['profile:read'] })],
      ['apiKeys.list', () => client.apiKeys.list()],
      ['logoutAll', () => client.auth.logoutAll.mutate()],
      ['deactivateMe', () => client.users.deactivateMe.mutate()],
      ['admin.stats', () => client.admin.stats.query()],
      [
        'admin.setPassword',
        () => client.admin.setPassword.mutate({ id: bob.user.id, password: 'taken over 1' }),
      ],
    ];
    for (const [name, call] of refused) {
      expect(await sdkFailure(call()), name).toEqual({ code: 'FORBIDDEN_WHILE_IMPERSONATING', status: 403 });
    }
  });
});

describe('writes under impersonation', () => {
  it('are audited with both ids and the reason, on REST and tRPC', async () => {
    const rest = await started();
    const patched = await req('PATCH', '/users/me', {
      token: rest.access_token,
      json: { full_name: 'Bob by REST' },
    });
    expect(patched.status).toBe(200);
    const { client, session_id: trpcSession } = await root.impersonate({
      id: bob.user.id,
      reason: 'Second look',
    });
    expect(await client.users.updateMe.mutate({ bio: 'by tRPC' })).toMatchObject({ bio: 'by tRPC' });

    const writes = await auditLog(s, { action: 'impersonation.write', target_id: bob.user.id });
    expect(writes.find((w) => w.details?.session_id === rest.session_id)).toMatchObject({
      actor_id: s.root.id,
      target_id: bob.user.id,
      details: {
        procedure: 'users.patchMe',
        impersonator_id: s.root.id,
        impersonation_reason: REASON,
      },
    });
    expect(writes.find((w) => w.details?.session_id === trpcSession)).toMatchObject({
      actor_id: s.root.id,
      details: { procedure: 'users.updateMe', impersonation_reason: 'Second look' },
    });
    const updates = await auditLog(s, { action: 'user.updated', target_id: bob.user.id });
    expect(updates.map((u) => u.details?.impersonation_reason)).toEqual(
      expect.arrayContaining([REASON, 'Second look']),
    );
    expect((await req('GET', '/auth/me', { token: bob.token })).body).toMatchObject({
      full_name: 'Bob by REST',
      bio: 'by tRPC',
    });
  });
});

describe('ending an impersonation', () => {
  it('REST: POST /auth/logout with the token ends it on the next request; the account stays logged in', async () => {
    const { access_token: token, session_id: sessionId } = await started();
    expect((await req('GET', '/auth/me', { token })).status).toBe(200);
    expect((await req('POST', '/auth/logout', { token })).status).toBe(204);
    const after = await req('GET', '/auth/me', { token });
    expect(after.status).toBe(401);
    expectErrorBody(after.body, 'INVALID_TOKEN');
    expect((await req('GET', '/auth/me', { token: bob.token })).status).toBe(200);
    const writes = await auditLog(s, { action: 'impersonation.write', target_id: bob.user.id });
    expect(writes.find((w) => w.details?.session_id === sessionId)?.details).toMatchObject({
      procedure: 'auth.logout',
      impersonation_reason: REASON,
    });
  });

  it("tRPC (SDK): the acting client's logout() ends it", async () => {
    const { client, access_token: token } = await root.impersonate({ id: bob.user.id, reason: REASON });
    expect((await client.auth.me.query()).id).toBe(bob.user.id);
    await client.logout();
    expect(await sdkFailure(sdk(s.server, token).auth.me.query())).toEqual({
      code: 'INVALID_TOKEN',
      status: 401,
    });
  });

  it("ends when an admin revokes the account's sessions, or the impersonating admin is demoted", async () => {
    const first = await started();
    await req('DELETE', `/admin/users/${bob.user.id}/sessions`, { token: s.rootToken });
    expect((await req('GET', '/auth/me', { token: first.access_token })).status).toBe(401);
    bob = { ...bob, token: await createBobToken() };

    const deputy = await createAndLogin(s.server, s.rootToken, 'deputy2', { role: 'admin' });
    const second = await impersonate(bob.user.id, deputy.token);
    expect(second.status).toBe(200);
    expect((await req('GET', '/auth/me', { token: second.body.access_token })).status).toBe(200);
    await req('PATCH', `/admin/users/${deputy.user.id}`, { token: s.rootToken, json: { role: 'user' } });
    const after = await req('GET', '/auth/me', { token: second.body.access_token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({
      detail: 'The impersonating admin may no longer act',
      code: 'INVALID_TOKEN',
    });
  });
});

async function createBobToken(): Promise<string> {
  const res = await req<{ access_token: string }>('POST', '/auth/login', {
    json: { username: bob.account.email, password: bob.account.password },
  });
  expect(res.status).toBe(200);
  return res.body.access_token;
}
