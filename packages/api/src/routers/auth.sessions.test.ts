import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows, requestCaller, seededAccount, tokenFor } from '../test/admin.js';
import {
  createHarness,
  errorCodeOf,
  PASSWORD,
  sessionIdOf,
  sessionRows,
  type Account,
  type Harness,
} from '../test/harness.js';

let h: Harness;
let boss: Account;
beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
});
afterAll(() => h.close());

interface Device {
  access: string;
  refresh: string;
  sid: string;
}

/** Logs `email` in once more: one more device, one more session. */
async function device(email: string, userAgent = 'test-agent'): Promise<Device> {
  const pair = await requestCaller(h, { ip: '198.51.100.7', userAgent }).auth.login({
    username: email,
    password: PASSWORD,
  });
  return { access: pair.access_token, refresh: pair.refresh_token, sid: sessionIdOf(pair.access_token) };
}

/** Expects the device's tokens to be dead: access → INVALID_TOKEN, refresh → INVALID_REFRESH_TOKEN. */
async function expectEnded(d: Device) {
  expect(await errorCodeOf(h.caller(d.access).auth.me())).toBe('INVALID_TOKEN');
  expect(await errorCodeOf(h.caller().auth.refresh({ refresh_token: d.refresh }))).toBe(
    'INVALID_REFRESH_TOKEN',
  );
}

async function expectLive(d: Device, userId: number) {
  expect((await h.caller(d.access).auth.me()).id).toBe(userId);
}

describe('auth.logout', () => {
  it('ends this session at once: its access and refresh tokens stop working, others go on', async () => {
    const a = await h.account('Lou');
    const [one, two] = [await device(a.email), await device(a.email)];
    await expect(h.caller(one.access).auth.logout()).resolves.toBeUndefined();
    await expectEnded(one);
    await expectLive(two, a.id);
    const { session } = await sessionRows(h, one.sid);
    expect(session).toMatchObject({ revokedReason: 'logout' });
  });

  it('needs a live token', async () => {
    const a = await h.account('Lou2');
    const d = await device(a.email);
    await h.caller(d.access).auth.logout();
    expect(await errorCodeOf(h.caller(d.access).auth.logout())).toBe('INVALID_TOKEN');
    expect(await errorCodeOf(h.caller().auth.logout())).toBe('NOT_AUTHENTICATED');
  });
});

describe('auth.logoutAll', () => {
  it('ends every session of the account, this one included, and no one else’s', async () => {
    const a = await h.account('Lea');
    const b = await h.account('Ben');
    const devices = [await device(a.email), await device(a.email), await device(a.email)];
    const other = await device(b.email);
    await h.caller(devices[0]!.access).auth.logoutAll();
    for (const d of devices) await expectEnded(d);
    expect(await errorCodeOf(h.caller(a.token).auth.me())).toBe('INVALID_TOKEN');
    await expectLive(other, b.id);
    expect((await sessionRows(h, devices[1]!.sid)).session!.revokedReason).toBe('logout_all');
    // Logging in again starts afresh.
    await expectLive(await device(a.email), a.id);
  });
});

describe('auth.sessions / auth.revokeSession', () => {
  it('lists live sessions, marks the current one, hides revoked and expired ones', async () => {
    const a = await h.account('Sia');
    const one = await device(a.email, 'phone');
    const two = await device(a.email, 'laptop');
    const gone = await device(a.email, 'old');
    await h.caller(gone.access).auth.logout();
    const list = await h.caller(two.access).auth.sessions();
    const ids = list.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([one.sid, two.sid, sessionIdOf(a.token)]));
    expect(ids).not.toContain(gone.sid);
    expect(list).toHaveLength(3);
    expect(list.filter((s) => s.current).map((s) => s.id)).toEqual([two.sid]);
    const laptop = list.find((s) => s.id === two.sid)!;
    expect(laptop).toMatchObject({ ip: '198.51.100.7', user_agent: 'laptop', current: true });
    expect(new Date(laptop.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(Date.parse(laptop.created_at)).not.toBeNaN();
    expect(Date.parse(laptop.last_used_at)).not.toBeNaN();
  });

  it('ends one of my sessions by id; the others and the caller’s go on', async () => {
    const a = await h.account('Rey');
    const one = await device(a.email);
    const two = await device(a.email);
    await expect(h.caller(two.access).auth.revokeSession({ id: one.sid })).resolves.toBeUndefined();
    await expectEnded(one);
    await expectLive(two, a.id);
    expect((await sessionRows(h, one.sid)).session!.revokedReason).toBe('revoked');
    // Once ended it is no longer there to end.
    expect(await errorCodeOf(h.caller(two.access).auth.revokeSession({ id: one.sid }))).toBe(
      'SESSION_NOT_FOUND',
    );
    expect((await h.caller(two.access).auth.sessions()).map((s) => s.id)).not.toContain(one.sid);
  });

  it('refuses another user’s session id as SESSION_NOT_FOUND and leaves it alone', async () => {
    const a = await h.account('Ana');
    const b = await h.account('Bob');
    const theirs = await device(b.email);
    expect(await errorCodeOf(h.caller(a.token).auth.revokeSession({ id: theirs.sid }))).toBe(
      'SESSION_NOT_FOUND',
    );
    expect(await errorCodeOf(h.caller(a.token).auth.revokeSession({ id: 'AAAAAAAAAAAAAAAAAAAAAA' }))).toBe(
      'SESSION_NOT_FOUND',
    );
    expect(await errorCodeOf(h.caller(a.token).auth.revokeSession({ id: 'short' }))).toBe('VALIDATION_ERROR');
    await expectLive(theirs, b.id);
  });

  it('can end the current session too', async () => {
    const a = await h.account('Cur');
    const d = await device(a.email);
    await h.caller(d.access).auth.revokeSession({ id: d.sid });
    await expectEnded(d);
  });
});

describe('admin.userSessions / admin.revokeUserSessions', () => {
  it('lists a user’s live sessions; current is only ever the admin’s own', async () => {
    const a = await h.account('Ida');
    const d = await device(a.email);
    const list = await h.caller(boss.token).admin.userSessions({ id: a.id });
    expect(list.map((s) => s.id).sort()).toEqual([sessionIdOf(a.token), d.sid].sort());
    expect(list.every((s) => !s.current)).toBe(true);
    const own = await h.caller(boss.token).admin.userSessions({ id: boss.id });
    expect(own.find((s) => s.id === sessionIdOf(boss.token))?.current).toBe(true);
    expect(await errorCodeOf(h.caller(boss.token).admin.userSessions({ id: 999_999 }))).toBe(
      'USER_NOT_FOUND',
    );
  });

  it('ends all of a user’s sessions, says how many and audits it', async () => {
    const a = await h.account('Ivy');
    const devices = [await device(a.email), await device(a.email)];
    const result = await h.caller(boss.token).admin.revokeUserSessions({ id: a.id });
    expect(result).toEqual({ revoked: 3 });
    for (const d of devices) await expectEnded(d);
    expect(await errorCodeOf(h.caller(a.token).auth.me())).toBe('INVALID_TOKEN');
    expect(await h.caller(boss.token).admin.userSessions({ id: a.id })).toEqual([]);
    expect((await sessionRows(h, devices[0]!.sid)).session!.revokedReason).toBe('revoked_by_admin');
    const audit = await auditRows(h, { action: 'admin.sessions_revoked', targetId: a.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorId: boss.id, details: { ended: 3 } });
    // Again: nothing left to end.
    expect(await h.caller(boss.token).admin.revokeUserSessions({ id: a.id })).toEqual({ revoked: 0 });
    await expectLive({ ...devices[0]!, access: boss.token }, boss.id);
    expect(await errorCodeOf(h.caller(boss.token).admin.revokeUserSessions({ id: 999_999 }))).toBe(
      'USER_NOT_FOUND',
    );
  });

  it('refuses a regular user with FORBIDDEN and changes nothing', async () => {
    const a = await h.account('Reg');
    const b = await h.account('Vic');
    expect(await errorCodeOf(h.caller(a.token).admin.userSessions({ id: b.id }))).toBe('FORBIDDEN');
    expect(await errorCodeOf(h.caller(a.token).admin.revokeUserSessions({ id: b.id }))).toBe('FORBIDDEN');
    expect(await errorCodeOf(h.caller().admin.revokeUserSessions({ id: b.id }))).toBe('NOT_AUTHENTICATED');
    expect((await h.caller(b.token).auth.me()).id).toBe(b.id);
  });
});

describe('what ends every session', () => {
  it('self-deactivation', async () => {
    const a = await h.account('Dee');
    const d = await device(a.email);
    await h.caller(d.access).users.deactivateMe();
    await expectEnded(d);
    expect(await errorCodeOf(h.caller(a.token).auth.me())).toBe('INVALID_TOKEN');
    expect((await sessionRows(h, d.sid)).session!.revokedReason).toBe('deactivated');
    // Reactivated by an admin, the old sessions stay ended.
    await h.caller(boss.token).admin.updateUser({ id: a.id, is_active: true });
    await expectEnded(d);
  });

  it('deactivation by an admin', async () => {
    const a = await h.account('Dan');
    const d = await device(a.email);
    await h.caller(boss.token).admin.updateUser({ id: a.id, is_active: false });
    await expectEnded(d);
    expect((await sessionRows(h, d.sid)).session!.revokedReason).toBe('deactivated');
    await expectLive({ ...d, access: boss.token }, boss.id);
  });

  it('a password set by an admin', async () => {
    const a = await h.account('Pam');
    const d = await device(a.email);
    await h.caller(boss.token).admin.setPassword({ id: a.id, password: 'a brand new password' });
    await expectEnded(d);
    expect(await errorCodeOf(h.caller(a.token).auth.me())).toBe('INVALID_TOKEN');
    expect((await sessionRows(h, d.sid)).session!.revokedReason).toBe('password_set_by_admin');
    const fresh = await h.caller().auth.login({ username: a.email, password: 'a brand new password' });
    expect(fresh.user.id).toBe(a.id);
  });

  it('deletion by an admin', async () => {
    const a = await h.account('Del');
    const d = await device(a.email);
    await h.caller(boss.token).admin.deleteUser({ id: a.id });
    await expectEnded(d);
    expect((await sessionRows(h, d.sid)).session).toBeNull();
  });

  it('but a role change does not', async () => {
    const a = await h.account('Rol');
    await h.caller(boss.token).admin.updateUser({ id: a.id, role: 'admin' });
    await expectLive({ access: a.token, refresh: '', sid: '' }, a.id);
    const extra = await tokenFor(h, a.id);
    await expectLive({ access: extra, refresh: '', sid: '' }, a.id);
  });
});
