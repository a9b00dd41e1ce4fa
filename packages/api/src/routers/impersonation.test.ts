import { Session } from '@roster/db';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHotReads } from '../hot-reads.js';
import { MAX_IMPERSONATION_SECONDS } from '../services/impersonation.js';
import { auditRows, seededAccount } from '../test/admin.js';
import { createHarness, errorCodeOf, PASSWORD, type Account, type Harness } from '../test/harness.js';

// Impersonation at the API level: who may start it, what its token carries and may do, how every write under it
// is audited, and every way it ends.

let h: Harness;
let boss: Account;
let other: Account;
let ada: Account;

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  other = await seededAccount(h, 'other');
  ada = await h.account('Ada');
});
afterAll(() => h.close());

const REASON = 'Ticket 4711: wrong display name';
const impersonate = (admin: Account, id: number, reason = REASON) =>
  h.caller(admin.token).admin.impersonate({ id, reason });
const sessionRow = (id: string) => h.db.orm.em.fork().findOne(Session, { id });

describe('admin.impersonate', () => {
  it('answers a short token for the account carrying act.sub, on a session of its own, audited', async () => {
    const started = await impersonate(boss, ada.id);
    expect(started).toMatchObject({ token_type: 'bearer', user: { id: ada.id, email: ada.email } });
    expect(started).not.toHaveProperty('refresh_token');
    expect(started.expires_in).toBe(MAX_IMPERSONATION_SECONDS);
    const claims = decodeJwt(started.access_token);
    expect(claims).toMatchObject({
      sub: String(ada.id),
      act: { sub: String(boss.id) },
      sid: started.session_id,
    });
    expect(claims.exp! - claims.iat!).toBe(MAX_IMPERSONATION_SECONDS);
    expect(await sessionRow(started.session_id)).toMatchObject({
      userId: ada.id,
      impersonatorId: boss.id,
      impersonationReason: REASON,
    });
    const [event] = await auditRows(h, { action: 'admin.impersonation_started', targetId: ada.id });
    expect(event).toMatchObject({
      actorId: boss.id,
      details: { reason: REASON, session_id: started.session_id },
    });
  });

  it('is refused for oneself, another admin, a deactivated or unknown account, and a short reason', async () => {
    expect(await errorCodeOf(impersonate(boss, boss.id))).toBe('CANNOT_IMPERSONATE_SELF');
    expect(await errorCodeOf(impersonate(boss, other.id))).toBe('CANNOT_IMPERSONATE_ADMIN');
    expect(await errorCodeOf(impersonate(boss, 2_000_000_000))).toBe('USER_NOT_FOUND');
    expect(await errorCodeOf(impersonate(boss, ada.id, ' x '))).toBe('VALIDATION_ERROR');
    const sleeper = await h.account('Sleeper');
    await h.setColumns(sleeper.id, { isActive: false });
    expect(await errorCodeOf(impersonate(boss, sleeper.id))).toBe('ACCOUNT_DEACTIVATED');
    expect(await errorCodeOf(impersonate(ada, boss.id))).toBe('FORBIDDEN');
  });

  it('lasts no longer than the configured access-token lifetime when that is shorter', async () => {
    const short = await createHarness({
      ...h.deps.settings,
      jwt: { ...h.deps.settings.jwt, accessTokenTtlSeconds: 120 },
    });
    try {
      const admin = await seededAccount(short, 'admin');
      const user = await short.account('User');
      const started = await short.caller(admin.token).admin.impersonate({ id: user.id, reason: REASON });
      expect(started.expires_in).toBe(120);
    } finally {
      await short.close();
    }
  });
});

describe('under an impersonation token', () => {
  it('GET /auth/me names the impersonator; neither the read cache nor a hot read mixes the two answers', async () => {
    const { access_token: token } = await impersonate(boss, ada.id);
    const hot = createHotReads(h.deps);
    for (let i = 0; i < 2; i++) {
      const me = await h.caller(token).auth.me();
      expect(me).toMatchObject({ id: ada.id, impersonator: { id: boss.id, email: boss.email } });
      expect(await h.caller(ada.token).auth.me()).not.toHaveProperty('impersonator');
    }
    expect(hot.answer('auth.me', `Bearer ${token}`, '')).toBeUndefined();
    const own = JSON.parse(hot.answer('auth.me', `Bearer ${ada.token}`, '')!.json) as object;
    expect(own).toMatchObject({ id: ada.id });
    expect(own).not.toHaveProperty('impersonator');
  });

  it('reads and edits the profile, each write audited with both ids and the reason', async () => {
    const { access_token: token, session_id: sessionId } = await impersonate(boss, ada.id);
    expect((await h.caller(token).users.list({})).length).toBeGreaterThan(0);
    expect(await h.caller(token).users.patchMe({ full_name: 'Ada L.' })).toMatchObject({
      full_name: 'Ada L.',
    });
    const [write] = await auditRows(h, { action: 'impersonation.write', targetId: ada.id });
    expect(write).toMatchObject({
      actorId: boss.id,
      details: {
        procedure: 'users.patchMe',
        session_id: sessionId,
        impersonator_id: boss.id,
        impersonation_reason: REASON,
      },
    });
    const [updated] = await auditRows(h, { action: 'user.updated', targetId: ada.id });
    expect(updated?.details).toMatchObject({ impersonator_id: boss.id, impersonation_reason: REASON });
    // A refused or failed write changes nothing and leaves no write event.
    const before = (await auditRows(h, { action: 'impersonation.write' })).length;
    expect(await errorCodeOf(h.caller(token).users.patchMe({ username: 'boss' }))).toBe('USERNAME_TAKEN');
    expect(await auditRows(h, { action: 'impersonation.write' })).toHaveLength(before);
  });

  it('refuses passwords, email, keys, sessions, deactivation and admin with FORBIDDEN_WHILE_IMPERSONATING', async () => {
    const { access_token: token } = await impersonate(boss, ada.id);
    const c = h.caller(token);
    const refused: [string, () => Promise<unknown>][] = [
      [
        'changePassword',
        () => c.auth.changePassword({ current_password: PASSWORD, new_password: 'taken over 1' }),
      ],
      ['requestVerification', () => c.auth.requestVerification()],
      [
        'email change',
        () => c.users.updateMe({ email: 'elsewhere@example.com', current_password: PASSWORD }),
      ],
      ['createApiKey', () => c.auth.createApiKey({ name: 'backdoor', scopes: ['profile:read'] })],
      ['apiKeys', () => c.auth.apiKeys()],
      ['revokeApiKey', () => c.auth.revokeApiKey({ id: 1 })],
      ['logoutAll', () => c.auth.logoutAll()],
      ['revokeSession', () => c.auth.revokeSession({ id: 'abcdefghijklmnopqrstuv' })],
      ['deactivateMe', () => c.users.deactivateMe()],
      ['admin.stats', () => c.admin.stats()],
      ['admin.impersonate', () => c.admin.impersonate({ id: ada.id, reason: REASON })],
    ];
    for (const [name, call] of refused) {
      expect(await errorCodeOf(call()), name).toBe('FORBIDDEN_WHILE_IMPERSONATING');
    }
    const row = await h.row(ada.id);
    expect(row).toMatchObject({ email: ada.email, isActive: true });
    expect(await h.deps.passwords.verify(row!.passwordHash, PASSWORD)).toBe(true);
    expect((await c.auth.sessions()).some((s) => s.current)).toBe(true);
  });

  it('ends with a logout, audited as a write; the owner stays logged in', async () => {
    const { access_token: token, session_id: sessionId } = await impersonate(boss, ada.id);
    await h.caller(token).auth.logout();
    expect(await errorCodeOf(h.caller(token).auth.me())).toBe('INVALID_TOKEN');
    expect(await sessionRow(sessionId)).toMatchObject({ revokedReason: 'logout' });
    const writes = await auditRows(h, { action: 'impersonation.write', targetId: ada.id });
    expect(writes.at(-1)?.details).toMatchObject({ procedure: 'auth.logout', session_id: sessionId });
    expect((await h.caller(ada.token).auth.me()).id).toBe(ada.id);
  });

  it("ends when the account's sessions are revoked, the admin is demoted, the account promoted or deactivated", async () => {
    const first = await impersonate(boss, ada.id);
    await h.caller(boss.token).admin.revokeUserSessions({ id: ada.id });
    expect(await errorCodeOf(h.caller(first.access_token).auth.me())).toBe('INVALID_TOKEN');
    ada = {
      ...ada,
      token: (await h.caller().auth.login({ username: ada.email, password: PASSWORD })).access_token,
    };

    const deputy = await seededAccount(h, 'deputy');
    const second = await h.caller(deputy.token).admin.impersonate({ id: ada.id, reason: REASON });
    expect((await h.caller(second.access_token).auth.me()).id).toBe(ada.id);
    await h.setColumns(deputy.id, { role: 'user' });
    await expect(h.caller(second.access_token).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      message: 'The impersonating admin may no longer act',
    });

    const promoted = await impersonate(boss, ada.id);
    await h.setColumns(ada.id, { role: 'admin' });
    expect(await errorCodeOf(h.caller(promoted.access_token).auth.me())).toBe('INVALID_TOKEN');
    await h.setColumns(ada.id, { role: 'user' });

    const third = await impersonate(boss, ada.id);
    await h.setColumns(ada.id, { isActive: false });
    await expect(h.caller(third.access_token).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      message: 'Account is deactivated',
    });
    await h.setColumns(ada.id, { isActive: true });
  });

  it('is refused when its session was not opened by the admin the token names', async () => {
    const started = await impersonate(boss, ada.id);
    await h.db.orm.em.fork().nativeUpdate(Session, { id: started.session_id }, { impersonatorId: other.id });
    expect(await errorCodeOf(h.caller(started.access_token).auth.me())).toBe('INVALID_TOKEN');
    // An ordinary token whose session is marked as an impersonation is refused as well.
    const plain = await h.caller().auth.login({ username: ada.email, password: PASSWORD });
    const sid = decodeJwt(plain.access_token).sid as string;
    await h.db.orm.em.fork().nativeUpdate(Session, { id: sid }, { impersonatorId: boss.id });
    expect(await errorCodeOf(h.caller(plain.access_token).auth.me())).toBe('INVALID_TOKEN');
  });
});
