import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, login, newAccount, type NewAccount } from '../test/accounts.js';
import { http } from '../test/harness.js';
import {
  auditLog,
  createAndLogin,
  createUser,
  qs,
  ROOT,
  startWithRoot,
  walk,
  type AdminSession,
  type AdminUser,
  type AuditEventOut,
  type Page,
} from '../test/admin.js';

// The audit log: what is recorded, how it is filtered and paged, what a hard delete leaves, and no secrets ever.
let s: AdminSession;
let u: { account: NewAccount; id: number };
let started: string;
const UA = 'audit-test-agent/1.0';
const NEW_PASSWORD = 'admin chosen secret';
const WRONG = 'wrong guess 12345';
const passwords = new Set<string>([ROOT.password, NEW_PASSWORD, WRONG]);

const asClient = { 'user-agent': UA };
const loginAs = (username: string, password: string) =>
  http(s.server.url, 'POST', '/auth/login', { form: { username, password }, headers: asClient });
const patch = (id: number, json: object) =>
  s.req<AdminUser>('PATCH', `/admin/users/${id}`, { token: s.rootToken, json, headers: asClient });
const page = (params: Record<string, string | number | undefined>) =>
  s.req<Page<AuditEventOut>>('GET', `/admin/audit${qs(params)}`, { token: s.rootToken });
const chronological = (events: AuditEventOut[]) => [...events].reverse();

beforeAll(async () => {
  s = await startWithRoot();
  started = new Date().toISOString();
  const account = newAccount('audited');
  passwords.add(account.password);
  const reg = await http<AdminUser>(s.server.url, 'POST', '/auth/register', {
    json: account,
    headers: asClient,
  });
  expect(reg.status).toBe(201);
  u = { account, id: reg.body.id };
  expect((await loginAs(account.email, account.password)).status).toBe(200);
  expect((await loginAs(account.username, WRONG)).status).toBe(401);
  expect((await loginAs('ghost@example.com', WRONG)).status).toBe(401);
  expect((await patch(u.id, { full_name: 'Audited Person', bio: 'bio', email: account.email })).status).toBe(
    200,
  );
  expect((await patch(u.id, { role: 'admin' })).status).toBe(200);
  expect((await patch(u.id, { role: 'user', is_active: false })).status).toBe(200);
  expect((await loginAs(account.email, account.password)).status).toBe(403);
  const pw = await s.req('POST', `/admin/users/${u.id}/password`, {
    token: s.rootToken,
    json: { password: NEW_PASSWORD },
  });
  expect(pw.status).toBe(204);
}, 60_000);
afterAll(() => s.server.close());

describe('what is recorded', () => {
  it("tells the account's story: registration, logins, admin changes with diffs, deactivation, password", async () => {
    const events = chronological(await auditLog(s, { target_id: u.id }));
    expect(events.map((e) => [e.action, e.actor_id, e.details])).toEqual([
      ['user.registered', u.id, { role: 'user', is_active: true }],
      ['auth.login_succeeded', u.id, null],
      ['auth.login_failed', u.id, { reason: 'bad_password' }],
      ['admin.user_updated', s.root.id, { full_name: [null, 'Audited Person'], bio: [null, 'bio'] }],
      ['admin.user_updated', s.root.id, { role: ['user', 'admin'] }],
      ['user.role_changed', s.root.id, { role: ['user', 'admin'] }],
      ['admin.user_updated', s.root.id, { role: ['admin', 'user'], is_active: [true, false] }],
      ['user.role_changed', s.root.id, { role: ['admin', 'user'] }],
      ['user.deactivated', s.root.id, null],
      ['auth.login_failed', u.id, { reason: 'deactivated' }],
      ['admin.password_set', s.root.id, null],
    ]);
    for (const e of events.filter((x) => x.action !== 'admin.password_set')) {
      expect(e.ip, e.action).toMatch(/127\.0\.0\.1$/);
      expect(e.user_agent, e.action).toBe(UA);
      expect(e.target_id).toBe(u.id);
    }
  });

  it('records a failed login for an unknown account without actor or target', async () => {
    const failed = await auditLog(s, { action: 'auth.login_failed', since: started });
    const unknown = failed.filter((e) => e.target_id === null);
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({
      actor_id: null,
      details: { reason: 'unknown_account' },
      user_agent: UA,
    });
  });

  it('records accounts created and deleted by an admin', async () => {
    const { user } = await createUser(s.server, s.rootToken, 'short', { role: 'admin', is_active: false });
    const [created] = await auditLog(s, { target_id: user.id });
    expect(created).toMatchObject({
      action: 'admin.user_created',
      actor_id: s.root.id,
      details: { role: 'admin', is_active: false },
    });
    expect((await s.req('DELETE', `/admin/users/${user.id}`, { token: s.rootToken })).status).toBe(204);
    const events = chronological(await auditLog(s, { target_id: user.id }));
    expect(events.map((e) => [e.action, e.actor_id, e.details])).toEqual([
      ['admin.user_created', s.root.id, null],
      ['admin.user_deleted', s.root.id, null],
    ]);
  });

  it('never holds a password or a hash, nor does the log', async () => {
    const everything = JSON.stringify(await auditLog(s));
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of [...passwords, 'argon2', '$argon', 'password_hash', 'passwordHash']) {
      expect(everything).not.toContain(secret);
      expect(s.server.rawLogs()).not.toContain(secret);
    }
  });
});

describe('a hard delete', () => {
  it('deletes for good: 204, then 404, and the login fails', async () => {
    const victim = await createAndLogin(s.server, s.rootToken, 'gone');
    const res = await s.req('DELETE', `/admin/users/${victim.user.id}`, { token: s.rootToken });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    expect((await s.req('GET', `/admin/users/${victim.user.id}`, { token: s.rootToken })).status).toBe(404);
    const relog = await login(s.server, victim.account.email, victim.account.password);
    expect(relog.status).toBe(401);
    expectErrorBody(relog.body, 'INVALID_CREDENTIALS');
    const stale = await s.req('GET', '/auth/me', { token: victim.token });
    expect(stale.status).toBe(401);
    expect((await s.req('DELETE', `/admin/users/${victim.user.id}`, { token: s.rootToken })).status).toBe(
      404,
    );
  });

  it('refuses to delete oneself with 409 CANNOT_DELETE_SELF', async () => {
    const res = await s.req('DELETE', `/admin/users/${s.root.id}`, { token: s.rootToken });
    expect(res.status).toBe(409);
    expectErrorBody(res.body, 'CANNOT_DELETE_SELF');
    expect((await s.req('GET', '/auth/me', { token: s.rootToken })).status).toBe(200);
  });

  it('keeps the events, only the id of the person: no details about them, no ip or agent of theirs', async () => {
    const account = newAccount('erased', { full_name: 'Erased Person Name' });
    passwords.add(account.password);
    const reg = await http<AdminUser>(s.server.url, 'POST', '/auth/register', {
      json: account,
      headers: asClient,
    });
    const id = reg.body.id;
    expect((await loginAs(account.email, account.password)).status).toBe(200);
    expect((await loginAs(account.email, WRONG)).status).toBe(401);
    expect((await patch(id, { email: `x${account.email}`, bio: 'their own words' })).status).toBe(200);
    const before = await auditLog(s, { target_id: id });
    expect(JSON.stringify(before)).toContain('their own words');

    expect((await s.req('DELETE', `/admin/users/${id}`, { token: s.rootToken })).status).toBe(204);
    const about = await auditLog(s, { target_id: id });
    expect(about.map((e) => e.id)).toEqual([expect.any(Number), ...before.map((e) => e.id)]);
    expect(about[0]).toMatchObject({
      action: 'admin.user_deleted',
      actor_id: s.root.id,
      ip: expect.any(String),
    });
    for (const e of about) expect(e.details, e.action).toBeNull();
    const by = await auditLog(s, { actor_id: id });
    expect(by.map((e) => e.action).sort()).toEqual([
      'auth.login_failed',
      'auth.login_succeeded',
      'user.registered',
    ]);
    for (const e of by) expect([e.ip, e.user_agent], e.action).toEqual([null, null]);
    // Root's own change of them keeps root's connection details.
    expect(about.find((e) => e.action === 'admin.user_updated')).toMatchObject({
      ip: expect.any(String),
      user_agent: UA,
    });
    const everything = JSON.stringify(await auditLog(s));
    for (const personal of [account.email, account.username, 'Erased Person', 'their own words']) {
      expect(everything).not.toContain(personal);
    }
  });
});

describe('filters and paging', () => {
  it('lists newest first, ties broken by id', async () => {
    const all = await auditLog(s);
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1]!, all[i]!];
      expect(a.at > b.at || (a.at === b.at && a.id > b.id), `${a.id} before ${b.id}`).toBe(true);
    }
  });

  it('filters by actor, target, action and time (since inclusive, until exclusive)', async () => {
    const all = await auditLog(s);
    const byRoot = await auditLog(s, { actor_id: s.root.id });
    expect(byRoot.map((e) => e.id)).toEqual(all.filter((e) => e.actor_id === s.root.id).map((e) => e.id));
    const logins = await auditLog(s, { action: 'auth.login_succeeded', target_id: u.id });
    expect(logins).toHaveLength(1);
    const pivot = all[Math.floor(all.length / 2)]!;
    const since = await auditLog(s, { since: pivot.at });
    expect(since.map((e) => e.id)).toEqual(all.filter((e) => e.at >= pivot.at).map((e) => e.id));
    expect(since.map((e) => e.id)).toContain(pivot.id);
    const until = await auditLog(s, { until: pivot.at });
    expect(until.map((e) => e.id)).toEqual(all.filter((e) => e.at < pivot.at).map((e) => e.id));
    expect(await auditLog(s, { action: 'no.such.action' })).toEqual([]);
    expect(await auditLog(s, { target_id: 987654 })).toEqual([]);
  });

  it('walks every event once with keyset cursors', async () => {
    const all = await auditLog(s);
    for (const limit of [1, 3]) {
      const { items, pages } = await walk<AuditEventOut>(
        async (cursor) => (await page({ limit, cursor })).body,
      );
      expect(items.map((e) => e.id)).toEqual(all.map((e) => e.id));
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    const filtered = await walk<AuditEventOut>(
      async (cursor) => (await page({ limit: 2, target_id: u.id, cursor })).body,
    );
    expect(filtered.items.map((e) => e.id)).toEqual(
      (await auditLog(s, { target_id: u.id })).map((e) => e.id),
    );
    expect((await page({})).body.items).toHaveLength(Math.min(50, all.length));
  });

  it('refuses bad cursors with 422 INVALID_CURSOR and bad filters with 422', async () => {
    const listCursor = (await s.req<Page<unknown>>('GET', '/admin/users?limit=1', { token: s.rootToken }))
      .body.next_cursor!;
    for (const cursor of [listCursor, 'garbage', Buffer.from('[1,2,3]').toString('base64url')]) {
      const res = await page({ cursor });
      expect(res.status).toBe(422);
      expectErrorBody(res.body, 'INVALID_CURSOR');
    }
    for (const bad of [
      { limit: 101 },
      { actor_id: 'root' },
      { since: 'today' },
      { target_id: 0 },
      { other: 1 },
    ]) {
      const res = await page(bad);
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    }
  });
});
