import type { EntityManager } from '@mikro-orm/core';
import { ApiKey, closeDatabase, openDatabase } from '@roster/db';
import { createRosterClient, type RosterClient } from '@roster/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, registerAndLogin, type Session } from '../test/accounts.js';
import {
  auditLog,
  createAndLogin,
  sdk,
  sdkFailure,
  startWithRoot,
  type AdminSession,
} from '../test/admin.js';
import { trpcBatch } from '../test/security.js';

// API keys over HTTP, on both surfaces: REST with `Authorization: Bearer rst_…`, and tRPC through the real SDK
// (`createRosterClient({ apiKey })`). Every refusal of the issue: wrong scope, admin scope without the role, key
// management, passwords and email, a deactivated or deleted owner and a demoted one on the next request, an
// expired and a revoked key; and the per-key limit.

const KEY_KEYS = ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'scopes', 'user_id'];
type KeyOut = { id: number; key: string; prefix: string; scopes: string[]; expires_at: string };

let s: AdminSession;
let req: AdminSession['req'];
/** Every key created here: none may ever reach a log. */
const issued: string[] = [];

beforeAll(async () => {
  // Limits on, with a per-key limit low enough to reach; registrations and logins are not what is tested here.
  s = await startWithRoot({
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMITS: 'apiKey.key=40/1m,register.ip=1000/1h,login.ip=1000/15m',
  });
  req = s.req;
});
afterAll(() => s.server.close());

async function createKey(token: string, scopes: string[], name = 'script'): Promise<KeyOut> {
  const res = await req<KeyOut>('POST', '/auth/api-keys', { token, json: { name, scopes } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  issued.push(res.body.key);
  return res.body;
}

/** A client of the real SDK sending the key on every call. */
const keyClient = (key: string): RosterClient => createRosterClient({ url: s.server.url, apiKey: key });

/** Runs `work` on a second connection to the server's database, behind the API. */
async function behindTheApi(work: (em: EntityManager) => Promise<unknown>): Promise<void> {
  const db = await openDatabase(s.server.database.url);
  try {
    await work(db.orm.em.fork());
  } finally {
    await closeDatabase(db);
  }
}

describe('managing keys (REST)', () => {
  it('POST /auth/api-keys answers 201 with the key once; GET lists it without; DELETE revokes it', async () => {
    const me = await registerAndLogin(s.server, 'keyowner');
    const res = await req<KeyOut>('POST', '/auth/api-keys', {
      token: me.token,
      json: { name: 'backup', scopes: ['profile:read'], expires_in_days: 7 },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([...KEY_KEYS, 'key'].sort());
    expect(res.body.key).toMatch(/^rst_[A-Za-z0-9_-]{43}$/);
    expect(res.body.key.startsWith(res.body.prefix)).toBe(true);
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    issued.push(res.body.key);

    const list = await req<Record<string, unknown>[]>('GET', '/auth/api-keys', { token: me.token });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    expect(Object.keys(list.body[0]!).sort()).toEqual(KEY_KEYS);
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);

    expect((await req('GET', '/auth/me', { token: res.body.key })).status).toBe(200);
    const gone = await req('DELETE', `/auth/api-keys/${res.body.id}`, { token: me.token });
    expect(gone.status).toBe(204);
    expect((await req('GET', '/auth/api-keys', { token: me.token })).body).toEqual([]);
    const again = await req('DELETE', `/auth/api-keys/${res.body.id}`, { token: me.token });
    expect(again.status).toBe(404);
    expectErrorBody(again.body, 'API_KEY_NOT_FOUND');

    const events = await auditLog(s, { target_id: me.user.id });
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['api_key.created', 'api_key.revoked']),
    );
  });

  it('refuses bad input with 422, and admin scopes to a non-admin with 403', async () => {
    const me = await registerAndLogin(s.server, 'keybad');
    for (const json of [
      { name: 'x', scopes: ['everything'] },
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['users:read'], expires_in_days: 0 },
      { name: 'x', scopes: ['users:read'], user_id: 1 },
    ]) {
      const res = await req('POST', '/auth/api-keys', { token: me.token, json });
      expect(res.status, JSON.stringify(json)).toBe(422);
    }
    const admin = await req('POST', '/auth/api-keys', {
      token: me.token,
      json: { name: 'x', scopes: ['admin:read'] },
    });
    expect(admin.status).toBe(403);
    expectErrorBody(admin.body, 'FORBIDDEN');
  });

  it("lets admins list and revoke any account's keys (GET /admin/users/{id}/api-keys, DELETE /admin/api-keys/{id})", async () => {
    const owner = await registerAndLogin(s.server, 'keywatched');
    const key = await createKey(owner.token, ['users:read']);
    const list = await req<{ id: number }[]>('GET', `/admin/users/${owner.user.id}/api-keys`, {
      token: s.rootToken,
    });
    expect(list.status).toBe(200);
    expect(list.body.map((k) => k.id)).toEqual([key.id]);
    expect((await req('DELETE', `/admin/api-keys/${key.id}`, { token: s.rootToken })).status).toBe(204);
    const refused = await req('GET', '/users', { token: key.key });
    expect(refused.status).toBe(401);
    expectErrorBody(refused.body, 'INVALID_TOKEN');
    const [event] = await auditLog(s, { action: 'admin.api_key_revoked', target_id: owner.user.id });
    expect(event).toMatchObject({ actor_id: s.root.id, details: { key_id: key.id, prefix: key.prefix } });
    const forbidden = await req('GET', `/admin/users/${owner.user.id}/api-keys`, { token: owner.token });
    expect(forbidden.status).toBe(403);
  });
});

describe('calling with a key', () => {
  let owner: Session;
  let reader: KeyOut;
  let all: KeyOut;
  beforeAll(async () => {
    owner = await registerAndLogin(s.server, 'keycaller');
    reader = await createKey(owner.token, ['profile:read']);
    all = await createKey(owner.token, ['profile:read', 'profile:write', 'users:read']);
  });

  it('REST: answers within its scopes, INSUFFICIENT_SCOPE outside them', async () => {
    const me = await req('GET', '/auth/me', { token: reader.key });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(owner.user);
    const list = await req('GET', '/users', { token: reader.key });
    expect(list.status).toBe(403);
    expectErrorBody(list.body, 'INSUFFICIENT_SCOPE');
    const patched = await req('PATCH', '/users/me', { token: all.key, json: { bio: 'by key' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ bio: 'by key' });
    expect((await req('GET', `/users/${s.root.id}`, { token: all.key })).status).toBe(200);
  });

  it('tRPC (SDK): the same, and a batch judges each call on its own', async () => {
    const client = keyClient(reader.key);
    expect((await client.auth.me.query()).id).toBe(owner.user.id);
    expect(await sdkFailure(client.users.list.query({}))).toEqual({
      code: 'INSUFFICIENT_SCOPE',
      status: 403,
    });
    const [me, list] = await Promise.allSettled([client.auth.me.query(), client.users.list.query({})]);
    expect(me.status).toBe('fulfilled');
    expect(list).toMatchObject({ status: 'rejected', reason: { code: 'INSUFFICIENT_SCOPE' } });
    const raw = await trpcBatch<{ error?: { data: { code: string } } }[]>(
      s.server,
      'query',
      [{ path: 'auth.me' }, { path: 'auth.apiKeys' }],
      reader.key,
    );
    expect(raw.body.map((item) => item.error?.data.code ?? 'ok')).toEqual(['ok', 'FORBIDDEN_FOR_API_KEY']);
  });

  it('REST: passwords, email, sessions and key management answer 403 FORBIDDEN_FOR_API_KEY', async () => {
    const refused: [string, string, unknown?][] = [
      ['POST', '/auth/password/change', { current_password: 'x', new_password: 'another pass 1' }],
      ['POST', '/auth/verify/request'],
      ['PATCH', '/users/me', { email: 'moved@example.com', current_password: owner.account.password }],
      ['PUT', '/users/me', { email: 'moved@example.com', current_password: owner.account.password }],
      ['POST', '/auth/logout'],
      ['POST', '/auth/logout-all'],
      ['GET', '/auth/sessions'],
      ['DELETE', '/users/me'],
      ['POST', '/auth/api-keys', { name: 'more', scopes: ['profile:read'] }],
      ['GET', '/auth/api-keys'],
      ['DELETE', `/auth/api-keys/${reader.id}`],
    ];
    for (const [method, path, json] of refused) {
      const res = await req(method, path, { token: all.key, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expectErrorBody(res.body, 'FORBIDDEN_FOR_API_KEY');
    }
    const me = await req('GET', '/auth/me', { token: owner.token });
    expect(me.body).toMatchObject({ email: owner.user.email, is_active: true });
  });

  it('tRPC (SDK): the same refusals', async () => {
    const client = keyClient(all.key);
    const refused: [string, () => Promise<unknown>][] = [
      [
        'changePassword',
        () => client.auth.changePassword.mutate({ current_password: 'x', new_password: 'another pass 1' }),
      ],
      [
        'patchMe email',
        () => client.users.patchMe.mutate({ email: 'moved@example.com', current_password: 'x' }),
      ],
      ['requestVerification', () => client.auth.requestVerification.mutate()],
      ['apiKeys.create', () => client.apiKeys.create({ name: 'more', scopes: ['profile:read'] })],
      ['apiKeys.list', () => client.apiKeys.list()],
      ['apiKeys.revoke', () => client.apiKeys.revoke(reader.id)],
      ['sessions', () => client.auth.sessions.query()],
    ];
    for (const [name, call] of refused) {
      expect(await sdkFailure(call()), name).toEqual({ code: 'FORBIDDEN_FOR_API_KEY', status: 403 });
    }
  });
});

describe('the owner and the key as the database says now', () => {
  it('a deactivated owner is refused on the next request, REST and tRPC; reactivated, the key works again', async () => {
    const owner = await createAndLogin(s.server, s.rootToken, 'keydeact');
    const key = await createKey(owner.token, ['profile:read']);
    const client = keyClient(key.key);
    expect((await req('GET', '/auth/me', { token: key.key })).status).toBe(200);
    expect((await client.auth.me.query()).id).toBe(owner.user.id);
    const off = await req('PATCH', `/admin/users/${owner.user.id}`, {
      token: s.rootToken,
      json: { is_active: false },
    });
    expect(off.status).toBe(200);
    const rest = await req('GET', '/auth/me', { token: key.key });
    expect(rest.status).toBe(401);
    expect(rest.body).toEqual({ detail: 'Account is deactivated', code: 'INVALID_TOKEN' });
    expect(await sdkFailure(client.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    await req('PATCH', `/admin/users/${owner.user.id}`, { token: s.rootToken, json: { is_active: true } });
    expect((await client.auth.me.query()).id).toBe(owner.user.id);
  });

  it('a deleted owner takes the keys along', async () => {
    const owner = await createAndLogin(s.server, s.rootToken, 'keydel');
    const key = await createKey(owner.token, ['profile:read']);
    expect((await req('DELETE', `/admin/users/${owner.user.id}`, { token: s.rootToken })).status).toBe(204);
    expect((await req('GET', '/auth/me', { token: key.key })).status).toBe(401);
    expect(await sdkFailure(keyClient(key.key).auth.me.query())).toEqual({
      code: 'INVALID_TOKEN',
      status: 401,
    });
  });

  it('admin scopes need the admin role on every request: a demoted owner is FORBIDDEN on the next one', async () => {
    const deputy = await createAndLogin(s.server, s.rootToken, 'keydeputy', { role: 'admin' });
    const key = await createKey(deputy.token, ['admin:read', 'admin:write', 'profile:read']);
    const client = keyClient(key.key);
    expect((await req('GET', '/admin/stats', { token: key.key })).status).toBe(200);
    expect((await client.admin.stats.query()).admins).toBeGreaterThanOrEqual(2);
    // Never a password, nor impersonation, whatever the scopes.
    const setPassword = await req('POST', `/admin/users/${s.root.id}/password`, {
      token: key.key,
      json: { password: 'taken over pw' },
    });
    expect(setPassword.status).toBe(403);
    expectErrorBody(setPassword.body, 'FORBIDDEN_FOR_API_KEY');

    const demoted = await req('PATCH', `/admin/users/${deputy.user.id}`, {
      token: s.rootToken,
      json: { role: 'user' },
    });
    expect(demoted.status).toBe(200);
    const rest = await req('GET', '/admin/stats', { token: key.key });
    expect(rest.status).toBe(403);
    expectErrorBody(rest.body, 'FORBIDDEN');
    expect(await sdkFailure(client.admin.stats.query())).toEqual({ code: 'FORBIDDEN', status: 403 });
    expect(await sdkFailure(client.admin.listUsers.query({}))).toEqual({ code: 'FORBIDDEN', status: 403 });
    expect((await client.auth.me.query()).role).toBe('user');
  });

  it('an expired key and a revoked key are 401 INVALID_TOKEN on both surfaces', async () => {
    const owner = await registerAndLogin(s.server, 'keyexp');
    const expiring = await createKey(owner.token, ['profile:read'], 'expiring');
    const revoked = await createKey(owner.token, ['profile:read'], 'revoked');
    await behindTheApi((em) =>
      em.nativeUpdate(ApiKey, { id: expiring.id }, { expiresAt: new Date(Date.now() - 1000) }),
    );
    const expired = await req('GET', '/auth/me', { token: expiring.key });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ detail: 'API key has expired', code: 'INVALID_TOKEN' });
    expect(await sdkFailure(keyClient(expiring.key).auth.me.query())).toEqual({
      code: 'INVALID_TOKEN',
      status: 401,
    });

    await sdk(s.server, owner.token).apiKeys.revoke(revoked.id);
    expect((await req('GET', '/auth/me', { token: revoked.key })).status).toBe(401);
    expect(await sdkFailure(keyClient(revoked.key).auth.me.query())).toEqual({
      code: 'INVALID_TOKEN',
      status: 401,
    });
    const unknown = await req('GET', '/auth/me', { token: `rst_${'x'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('shows when a key was last used', async () => {
    const owner = await registerAndLogin(s.server, 'keyused');
    const key = await createKey(owner.token, ['profile:read']);
    await req('GET', '/auth/me', { token: key.key });
    const [listed] = (
      await req<{ last_used_at: string | null }[]>('GET', '/auth/api-keys', { token: owner.token })
    ).body;
    expect(Date.parse(listed!.last_used_at!)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('limits per key', () => {
  it('answers 429 with Retry-After once a key is over apiKey.key, on both surfaces; other keys go on', async () => {
    const owner = await registerAndLogin(s.server, 'keybusy');
    const busy = await createKey(owner.token, ['profile:read']);
    const calm = await createKey(owner.token, ['profile:read']);
    for (let i = 0; i < 40; i += 1)
      expect((await req('GET', '/auth/me', { token: busy.key })).status).toBe(200);
    const limited = await req('GET', '/auth/me', { token: busy.key });
    expect(limited.status).toBe(429);
    expectErrorBody(limited.body, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await sdkFailure(keyClient(busy.key).auth.me.query())).toEqual({
      code: 'RATE_LIMITED',
      status: 429,
    });
    expect((await req('GET', '/auth/me', { token: calm.key })).status).toBe(200);
    expect((await req('GET', '/auth/me', { token: owner.token })).status).toBe(200);
  });
});

describe('secrecy', () => {
  it('never writes a key to the logs', () => {
    expect(issued.length).toBeGreaterThan(5);
    const logs = s.server.rawLogs();
    for (const key of issued) expect(logs).not.toContain(key.slice(12));
  });
});
