import { RefreshToken, Session as SessionRow } from '@roster/db';
import type { UserOut } from '@roster/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, newAccount, register } from '../test/accounts.js';
import { auditLog, sdk, sdkFailure, startWithRoot, type AdminSession } from '../test/admin.js';
import { http, startTestServer, type JsonResponse, type TestServer } from '../test/harness.js';
import type { components } from '../test/openapi-types.js';
import { rawRequest } from '../test/raw-http.js';

// Sessions over HTTP: refresh-token rotation, reuse detection and its grace window, logout, the session lists
// (own and admin's), and every way an account's sessions end, on REST and through the SDK (tRPC).

type SessionOut = components['schemas']['Session'];

interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: UserOut;
}

const TOKEN_KEYS = [
  'access_token',
  'expires_in',
  'refresh_expires_in',
  'refresh_token',
  'token_type',
  'user',
];
const SESSION_KEYS = [
  'created_at',
  'current',
  'expires_at',
  'id',
  'impersonated_by',
  'ip',
  'last_used_at',
  'user_agent',
];

let server: TestServer; // REFRESH_REUSE_GRACE_SECONDS default (10)
let noGrace: TestServer; // REFRESH_REUSE_GRACE_SECONDS=0
let shortGrace: TestServer; // REFRESH_REUSE_GRACE_SECONDS=1
let admin: AdminSession;
/** Every refresh token any server handed out: none may ever reach a log. */
const issued = new Set<string>();

beforeAll(async () => {
  [admin, noGrace, shortGrace] = await Promise.all([
    startWithRoot(),
    startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '0' }),
    startTestServer({ REFRESH_REUSE_GRACE_SECONDS: '1' }),
  ]);
  server = admin.server;
});
afterAll(async () => {
  await Promise.all([server, noGrace, shortGrace].map((s) => s?.close()));
});

function remember<T>(res: JsonResponse<T>): JsonResponse<T> {
  const token = (res.body as { refresh_token?: unknown } | null)?.refresh_token;
  if (typeof token === 'string') issued.add(token);
  return res;
}

const loginRes = async (on: TestServer, username: string, password: string, userAgent = 'sessions-test') =>
  remember(
    await http<Tokens>(on.url, 'POST', '/auth/login', {
      form: { username, password },
      headers: { 'user-agent': userAgent },
    }),
  );

async function logIn(on: TestServer, username: string, password: string, userAgent?: string) {
  const res = await loginRes(on, username, password, userAgent);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** A new account on `on`, logged in once. */
async function account(on: TestServer, prefix = 'sess') {
  const fields = newAccount(prefix);
  const user = await register(on, fields);
  return { fields, user, tokens: await logIn(on, fields.email, fields.password) };
}

const refresh = async (on: TestServer, refreshToken: string) =>
  remember(await http<Tokens>(on.url, 'POST', '/auth/refresh', { json: { refresh_token: refreshToken } }));
const me = (on: TestServer, token: string) => http(on.url, 'GET', '/auth/me', { token });
const mySessions = (on: TestServer, token: string) =>
  http<SessionOut[]>(on.url, 'GET', '/auth/sessions', { token });

async function expectRefused(res: JsonResponse, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(401);
  expectErrorBody(res.body, code);
}

describe('login and refresh', () => {
  it('login answers a refresh token and its lifetime next to the access token', async () => {
    const { tokens } = await account(server);
    expect(Object.keys(tokens).sort()).toEqual(TOKEN_KEYS);
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.refresh_token).not.toBe(tokens.access_token);
    // REFRESH_TOKEN_EXPIRE_DAYS defaults to 14.
    expect(tokens.refresh_expires_in).toBeGreaterThan(14 * 86_400 - 60);
    expect(tokens.refresh_expires_in).toBeLessThanOrEqual(14 * 86_400);
  });

  it('POST /auth/refresh rotates: a new pair for the same session, and the new refresh token works', async () => {
    const { user, tokens } = await account(server);
    const first = await refresh(server, tokens.refresh_token);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(TOKEN_KEYS);
    expect(first.body.user.id).toBe(user.id);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.body.access_token).not.toBe(tokens.access_token);
    expect((await me(server, first.body.access_token)).status).toBe(200);
    const second = await refresh(server, first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    // Still one session, whatever the number of rotations.
    const list = await mySessions(server, second.body.access_token);
    expect(list.body).toHaveLength(1);
  });

  it('refuses an unknown refresh token with 401 and a malformed body with 422', async () => {
    await expectRefused(await refresh(server, 'x'.repeat(43)), 'INVALID_REFRESH_TOKEN');
    const bad = await http(server.url, 'POST', '/auth/refresh', { json: { refresh_token: '' } });
    expect(bad.status).toBe(422);
    const extra = await http(server.url, 'POST', '/auth/refresh', { json: { refresh_token: 'a', x: 1 } });
    expect(extra.status).toBe(422);
  });

  it('within the grace window, 5 racing refreshes with one token all get the same new pair: one chain', async () => {
    const { tokens } = await account(server, 'race');
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(server, tokens.refresh_token)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(1);
    const next = results[0]?.body as Tokens;
    // In the database: the spent link and exactly one live successor.
    const em = server.running.db.orm.em.fork();
    const [session] = await em.find(SessionRow, { userId: next.user.id });
    const links = await em.find(RefreshToken, { sessionId: session?.id }, { orderBy: { id: 'asc' } });
    expect(links.map((l) => l.spentAt === null)).toEqual([false, true]);
    // The chain goes on from the shared successor.
    const onward = await refresh(server, next.refresh_token);
    expect(onward.status).toBe(200);
    expect((await me(server, onward.body.access_token)).status).toBe(200);
  });

  it('a spent token shown again after the grace window ends the session (audited)', async () => {
    const { tokens } = await account(shortGrace, 'late');
    const next = await refresh(shortGrace, tokens.refresh_token);
    expect(next.status).toBe(200);
    // Within the (1 s) window: the same pair again.
    const retried = await refresh(shortGrace, tokens.refresh_token);
    expect(retried.status).toBe(200);
    expect(retried.body.refresh_token).toBe(next.body.refresh_token);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expectRefused(await refresh(shortGrace, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    // The whole session is over: its access tokens and its live refresh token.
    await expectRefused(await me(shortGrace, next.body.access_token), 'INVALID_TOKEN');
    await expectRefused(await me(shortGrace, tokens.access_token), 'INVALID_TOKEN');
    await expectRefused(await refresh(shortGrace, next.body.refresh_token), 'INVALID_REFRESH_TOKEN');
  });

  it('with REFRESH_REUSE_GRACE_SECONDS=0, the second use of a token is reuse', async () => {
    const { fields, tokens } = await account(noGrace, 'nograce');
    const next = await refresh(noGrace, tokens.refresh_token);
    expect(next.status).toBe(200);
    await expectRefused(await refresh(noGrace, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    await expectRefused(await me(noGrace, next.body.access_token), 'INVALID_TOKEN');
    await expectRefused(await refresh(noGrace, next.body.refresh_token), 'INVALID_REFRESH_TOKEN');
    // Only that session: the account logs in again.
    await logIn(noGrace, fields.email, fields.password);
  });

  it('with REFRESH_REUSE_GRACE_SECONDS=0, of racing refreshes with one token none keeps the session', async () => {
    const { tokens } = await account(noGrace, 'norace');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => refresh(noGrace, tokens.refresh_token)),
    );
    const statuses = results.map((r) => r.status);
    // One wins the claim; every other use of the spent token is reuse and ends the session.
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(statuses.length - 1);
    const winner = results.find((r) => r.status === 200)?.body as Tokens;
    await expectRefused(await me(noGrace, winner.access_token), 'INVALID_TOKEN');
  });

  it('records reuse in the audit log', async () => {
    const { user, tokens } = await account(server, 'audited');
    const em = server.running.db.orm.em.fork();
    // Age the spent link past the grace window rather than waiting 10 s.
    const next = await refresh(server, tokens.refresh_token);
    expect(next.status).toBe(200);
    await em.nativeUpdate(
      RefreshToken,
      { spentAt: { $ne: null }, sessionId: (await em.findOneOrFail(SessionRow, { userId: user.id })).id },
      { spentAt: new Date(Date.now() - 60_000) },
    );
    await expectRefused(await refresh(server, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    const events = await auditLog(admin, { action: 'auth.refresh_token_reused', target_id: user.id });
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ session_id: expect.any(String) });
    const [row] = await em.fork().find(SessionRow, { userId: user.id });
    expect(row?.revokedReason).toBe('refresh_token_reuse');
  });
});

describe('logout and the session list', () => {
  it('POST /auth/logout answers 204 and ends this session only', async () => {
    const { fields, tokens } = await account(server, 'logout');
    const other = await logIn(server, fields.email, fields.password);
    // As `curl -X POST` sends it: no body, no content-type, no content-length.
    const res = await rawRequest(server.url, 'POST', '/auth/logout', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    await expectRefused(await me(server, tokens.access_token), 'INVALID_TOKEN');
    await expectRefused(await refresh(server, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    expect((await me(server, other.access_token)).status).toBe(200);
    await expectRefused(await http(server.url, 'POST', '/auth/logout'), 'NOT_AUTHENTICATED');
  });

  it('POST /auth/logout-all ends every session of the account, and no one else’s', async () => {
    const { fields, tokens } = await account(server, 'all');
    const second = await logIn(server, fields.email, fields.password);
    const bystander = await account(server, 'bystander');
    const res = await http(server.url, 'POST', '/auth/logout-all', { token: second.access_token });
    expect(res.status).toBe(204);
    for (const t of [tokens, second]) {
      await expectRefused(await me(server, t.access_token), 'INVALID_TOKEN');
      await expectRefused(await refresh(server, t.refresh_token), 'INVALID_REFRESH_TOKEN');
    }
    expect((await me(server, bystander.tokens.access_token)).status).toBe(200);
  });

  it('GET /auth/sessions lists the live sessions and marks the current one', async () => {
    const { fields, tokens } = await account(server, 'list');
    const phone = await logIn(server, fields.email, fields.password, 'phone/1.0');
    const ended = await logIn(server, fields.email, fields.password);
    expect((await http(server.url, 'POST', '/auth/logout', { token: ended.access_token })).status).toBe(204);
    const res = await mySessions(server, phone.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    for (const s of res.body) expect(Object.keys(s).sort()).toEqual(SESSION_KEYS);
    // The owner's own sign-ins: no admin behind them.
    for (const s of res.body) expect(s.impersonated_by).toBeNull();
    const current = res.body.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]?.user_agent).toBe('phone/1.0');
    expect(current[0]?.ip).toMatch(/127\.0\.0\.1/);
    const fromFirst = await mySessions(server, tokens.access_token);
    expect(fromFirst.body.find((s) => s.current)?.id).not.toBe(current[0]?.id);
    expect(JSON.stringify(res.body)).not.toContain(phone.refresh_token);
  });

  it('DELETE /auth/sessions/{id} ends one session: 204, then 404; another user’s id is 404, a bad id 422', async () => {
    const { fields, tokens } = await account(server, 'del');
    const laptop = await logIn(server, fields.email, fields.password);
    const list = await mySessions(server, tokens.access_token);
    const target = list.body.find((s) => !s.current) as SessionOut;
    const path = `/auth/sessions/${target.id}`;
    const stranger = await account(server, 'stranger');
    const foreign = await http(server.url, 'DELETE', path, { token: stranger.tokens.access_token });
    expect(foreign.status).toBe(404);
    expectErrorBody(foreign.body, 'SESSION_NOT_FOUND');
    expect((await me(server, laptop.access_token)).status).toBe(200);

    const res = await http(server.url, 'DELETE', path, { token: tokens.access_token });
    expect(res.status).toBe(204);
    await expectRefused(await me(server, laptop.access_token), 'INVALID_TOKEN');
    await expectRefused(await refresh(server, laptop.refresh_token), 'INVALID_REFRESH_TOKEN');
    const again = await http(server.url, 'DELETE', path, { token: tokens.access_token });
    expect(again.status).toBe(404);
    expectErrorBody(again.body, 'SESSION_NOT_FOUND');
    const bad = await http(server.url, 'DELETE', '/auth/sessions/not!an!id', { token: tokens.access_token });
    expect(bad.status).toBe(422);
    expectErrorBody(bad.body, 'VALIDATION_ERROR', 422);
    expect((await me(server, tokens.access_token)).status).toBe(200);
  });
});

describe('admin and account changes end sessions', () => {
  it('GET and DELETE /admin/users/{id}/sessions list and end an account’s sessions', async () => {
    const { fields, user, tokens } = await account(server, 'adm');
    await logIn(server, fields.email, fields.password);
    const path = `/admin/users/${user.id}/sessions`;
    const list = await admin.req<SessionOut[]>('GET', path, { token: admin.rootToken });
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    expect(list.body.every((s) => !s.current)).toBe(true);
    const asUser = await http(server.url, 'GET', path, { token: tokens.access_token });
    expect(asUser.status).toBe(403);
    expect((await admin.req('GET', '/admin/users/987654/sessions', { token: admin.rootToken })).status).toBe(
      404,
    );

    const ended = await admin.req('DELETE', path, { token: admin.rootToken });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ revoked: 2 });
    await expectRefused(await me(server, tokens.access_token), 'INVALID_TOKEN');
    await expectRefused(await refresh(server, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    expect((await admin.req('GET', path, { token: admin.rootToken })).body).toEqual([]);
    const events = await auditLog(admin, { action: 'admin.sessions_revoked', target_id: user.id });
    expect(events[0]?.details).toEqual({ ended: 2 });
  });

  it('deactivation ends the sessions for good: refresh is refused even after reactivation', async () => {
    const { fields, user, tokens } = await account(server, 'deact');
    const patch = (is_active: boolean) =>
      admin.req('PATCH', `/admin/users/${user.id}`, { token: admin.rootToken, json: { is_active } });
    expect((await patch(false)).status).toBe(200);
    await expectRefused(await me(server, tokens.access_token), 'INVALID_TOKEN');
    await expectRefused(await refresh(server, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    expect((await patch(true)).status).toBe(200);
    await expectRefused(await refresh(server, tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    await expectRefused(await me(server, tokens.access_token), 'INVALID_TOKEN');
    await logIn(server, fields.email, fields.password);
  });

  it('an admin setting the password, or deleting the account, ends its sessions', async () => {
    const setPw = await account(server, 'setpw');
    const res = await admin.req('POST', `/admin/users/${setPw.user.id}/password`, {
      token: admin.rootToken,
      json: { password: 'a brand new password' },
    });
    expect(res.status).toBe(204);
    await expectRefused(await refresh(server, setPw.tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    await expectRefused(await me(server, setPw.tokens.access_token), 'INVALID_TOKEN');

    const gone = await account(server, 'gone');
    expect(
      (await admin.req('DELETE', `/admin/users/${gone.user.id}`, { token: admin.rootToken })).status,
    ).toBe(204);
    await expectRefused(await refresh(server, gone.tokens.refresh_token), 'INVALID_REFRESH_TOKEN');
    await expectRefused(await me(server, gone.tokens.access_token), 'INVALID_TOKEN');
  });
});

describe('the tRPC surface (SDK)', () => {
  it('auth.refresh rotates, auth.sessions marks the current one, auth.logout ends it', async () => {
    const { fields } = await account(server, 'trpc');
    const client = sdk(server);
    const tokens = await client.login({ username: fields.email, password: fields.password });
    issued.add(tokens.refresh_token);
    const next = await client.auth.refresh.mutate({ refresh_token: tokens.refresh_token });
    issued.add(next.refresh_token);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    await client.setToken(next.access_token);
    const list = await client.auth.sessions.query();
    expect(list).toHaveLength(2);
    expect(list.filter((s) => s.current)).toHaveLength(1);
    await client.auth.logout.mutate();
    expect(await sdkFailure(client.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    expect(await sdkFailure(client.auth.refresh.mutate({ refresh_token: next.refresh_token }))).toEqual({
      code: 'INVALID_REFRESH_TOKEN',
      status: 401,
    });
    // Reuse of the first token (spent, its successor gone with the session) is refused as well.
    expect(await sdkFailure(client.auth.refresh.mutate({ refresh_token: tokens.refresh_token }))).toEqual({
      code: 'INVALID_REFRESH_TOKEN',
      status: 401,
    });
  });

  it('auth.revokeSession and auth.logoutAll answer as REST does', async () => {
    const { fields, tokens } = await account(server, 'trpc2');
    const other = await logIn(server, fields.email, fields.password);
    const client = sdk(server, tokens.access_token);
    expect(await sdkFailure(client.auth.revokeSession.mutate({ id: 'x' }))).toEqual({
      code: 'VALIDATION_ERROR',
      status: 422,
    });
    expect(await sdkFailure(client.auth.revokeSession.mutate({ id: 'A'.repeat(22) }))).toEqual({
      code: 'SESSION_NOT_FOUND',
      status: 404,
    });
    const target = (await client.auth.sessions.query()).find((s) => !s.current) as SessionOut;
    await client.auth.revokeSession.mutate({ id: target.id });
    await expectRefused(await me(server, other.access_token), 'INVALID_TOKEN');
    await client.auth.logoutAll.mutate();
    expect(await sdkFailure(client.auth.sessions.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
  });
});

describe('logs', () => {
  it('never contain a refresh token', () => {
    expect(issued.size).toBeGreaterThan(20);
    const logs = [server, noGrace, shortGrace].map((s) => s.rawLogs()).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const token of issued) expect(logs).not.toContain(token);
  });
});
