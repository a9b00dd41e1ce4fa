import { AuditEvent } from '@roster/db';
import { freshTotpWindow, SoftAuthenticator, totpCode } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  errorCodeOf,
  PASSWORD,
  sessionIdOf,
  sessionRows,
  TEST_SETTINGS,
  type Account,
  type Harness,
} from '../test/harness.js';
import { enrolTotp, registerPasskey } from '../test/mfa.js';

// Turning the authenticator app off, new recovery codes and deleting a passkey (any, not only the last) end every
// other session of the account, as a password change does: at once, cached sessions included, and the caller's
// own session stays.

const ORIGIN = 'https://roster.example';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ...TEST_SETTINGS, publicUrl: ORIGIN });
});
afterAll(() => h.close());

interface OtherSession {
  token: string;
  refresh: string;
}

/** Serves one request with a session, so that it sits in the auth cache. */
async function cached(pair: { access_token: string; refresh_token: string }): Promise<OtherSession> {
  await h.caller(pair.access_token).auth.me();
  expect(h.deps.authCache.get(sessionIdOf(pair.access_token))).toBeDefined();
  return { token: pair.access_token, refresh: pair.refresh_token };
}

/** Another device's session, opened with the password (before any factor) and cached. */
const passwordSession = async (account: Account) =>
  cached(await h.caller().auth.login({ username: account.email, password: PASSWORD }));

/** Another device's session, opened with a passkey alone, and cached. */
async function passkeySession(device: SoftAuthenticator): Promise<OtherSession> {
  const options = await h.caller().auth.passkeys.loginOptions();
  return cached(await h.caller().auth.passkeys.login({ response: device.get(options) }));
}

/** The other session is over: its access token at once (the cache forgot it), its refresh token too. */
async function expectEnded(other: OtherSession, reason: string): Promise<void> {
  expect(await errorCodeOf(h.caller(other.token).auth.me())).toBe('INVALID_TOKEN');
  expect(await errorCodeOf(h.caller().auth.refresh({ refresh_token: other.refresh }))).toBe(
    'INVALID_REFRESH_TOKEN',
  );
  expect((await sessionRows(h, sessionIdOf(other.token))).session?.revokedReason).toBe(reason);
}

async function expectLive(account: Account, token = account.token): Promise<void> {
  expect((await h.caller(token).auth.me()).id).toBe(account.id);
}

const details = async (userId: number, action: string) =>
  (await h.db.orm.em.fork().find(AuditEvent, { targetId: userId, action }, { orderBy: { id: 'asc' } })).map(
    (e) => e.details,
  );

describe('turning the authenticator app off', () => {
  it('ends every other session at once and keeps this one; a refused attempt ends none', async () => {
    const ada = await h.account('AdaEnds');
    const laptop = await passwordSession(ada);
    const phone = await passwordSession(ada);
    const { secret } = await enrolTotp(h, ada);
    const me = h.caller(ada.token).auth.mfa;
    expect(await errorCodeOf(me.disableTotp({ password: PASSWORD, code: '000000' }))).toBe('WRONG_MFA_CODE');
    expect(await errorCodeOf(me.disableTotp({ password: 'wrong', code: '000000' }))).toBe('WRONG_PASSWORD');
    await expectLive(ada, laptop.token);
    await freshTotpWindow();
    await me.disableTotp({ password: PASSWORD, code: totpCode(secret) });
    await expectEnded(laptop, 'totp_disabled');
    await expectEnded(phone, 'totp_disabled');
    await expectLive(ada);
    expect(await details(ada.id, 'mfa.disabled')).toEqual([{ method: 'totp', sessions_ended: 2 }]);
  });
});

describe('new recovery codes', () => {
  it('end every other session at once and keep this one', async () => {
    const bo = await h.account('BoEnds');
    const laptop = await passwordSession(bo);
    const { codes } = await enrolTotp(h, bo);
    const fresh = await h
      .caller(bo.token)
      .auth.mfa.regenerateRecoveryCodes({ password: PASSWORD, recovery_code: codes[0]! });
    expect(fresh.recovery_codes).toHaveLength(10);
    await expectEnded(laptop, 'recovery_codes_regenerated');
    await expectLive(bo);
    expect(await details(bo.id, 'mfa.recovery_codes_regenerated')).toEqual([{ sessions_ended: 1 }]);
  });
});

describe('deleting a passkey', () => {
  it('ends every other session, whether or not it was the last passkey, and keeps this one', async () => {
    const cy = await h.account('CyEnds');
    const laptop = new SoftAuthenticator(ORIGIN);
    const phone = new SoftAuthenticator(ORIGIN);
    const first = await registerPasskey(h, cy, laptop, 'Laptop');
    const second = await registerPasskey(h, cy, phone, 'Phone');
    const byPassword = await passwordSession(cy).catch(() => null);
    expect(byPassword).toBeNull(); // a password alone no longer signs in
    const onLaptop = await passkeySession(laptop);
    const onPhone = await passkeySession(phone);
    const me = h.caller(cy.token).auth.passkeys;
    expect(await errorCodeOf(me.remove({ id: first, password: 'wrong' }))).toBe('WRONG_PASSWORD');
    await expectLive(cy, onPhone.token);

    // One of two: the account still has a factor, and still every other session ends.
    await me.remove({ id: first, password: PASSWORD });
    await expectEnded(onLaptop, 'passkey_deleted');
    await expectEnded(onPhone, 'passkey_deleted');
    await expectLive(cy);

    // The last one.
    const again = await passkeySession(phone);
    await me.remove({ id: second, password: PASSWORD });
    await expectEnded(again, 'passkey_deleted');
    await expectLive(cy);
    expect(await details(cy.id, 'passkey.deleted')).toEqual([
      { passkey_id: first, sessions_ended: 2 },
      { passkey_id: second, sessions_ended: 1 },
    ]);
  });

  it('keeps the session that deletes, even one the deleted passkey opened', async () => {
    const dee = await h.account('DeeEnds');
    const device = new SoftAuthenticator(ORIGIN);
    const id = await registerPasskey(h, dee, device);
    const own = await passkeySession(device);
    await h.caller(own.token).auth.passkeys.remove({ id, password: PASSWORD });
    expect((await h.caller(own.token).auth.me()).id).toBe(dee.id);
    // The password session the account was made with is another session: it ends.
    expect(await errorCodeOf(h.caller(dee.token).auth.me())).toBe('INVALID_TOKEN');
    expect((await sessionRows(h, sessionIdOf(dee.token))).session?.revokedReason).toBe('passkey_deleted');
  });
});
