import { AuditEvent, RecoveryCode, Session, TotpFactor } from '@roster/db';
import { freshTotpWindow, totpCode } from '@roster/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  errorCodeOf,
  PASSWORD,
  sessionIdOf,
  type Account,
  type Harness,
} from '../test/harness.js';
import { enrolTotp, expireMfaTokens, forgetLastStep, passwordStep, refusalOf } from '../test/mfa.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const actions = async (userId: number) =>
  (await h.db.orm.em.fork().find(AuditEvent, { targetId: userId }, { orderBy: { id: 'asc' } })).map(
    (e) => e.action,
  );

describe('enrolling an authenticator app', () => {
  let ada: Account;
  beforeAll(async () => {
    ada = await h.account('AdaTotp');
  });

  it('starts with nothing, and needs the password to start', async () => {
    const me = h.caller(ada.token).auth.mfa;
    expect(await me.status()).toEqual({ totp: false, passkeys: 0, recovery_codes_left: 0 });
    expect(await errorCodeOf(me.setupTotp({ password: 'wrong password' }))).toBe('WRONG_PASSWORD');
    expect(await errorCodeOf(me.confirmTotp({ code: '123456' }))).toBe('TOTP_SETUP_NOT_STARTED');
  });

  it('answers the secret, its otpauth URL and QR code, and stores the secret encrypted', async () => {
    const setup = await h.caller(ada.token).auth.mfa.setupTotp({ password: PASSWORD });
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.otpauth_url).toContain(`secret=${setup.secret}`);
    expect(setup.otpauth_url).toMatch(/^otpauth:\/\/totp\/Roster:adatotp%40example\.com\?issuer=Roster&/);
    expect(setup.qr_svg).toMatch(/^<svg /);
    const row = await h.db.orm.em.fork().findOneOrFail(TotpFactor, { userId: ada.id });
    expect(row.confirmedAt).toBeNull();
    expect(row.secretEncrypted).not.toContain(setup.secret);
    expect(h.deps.mfaKeys.box.open(row.secretEncrypted, ada.id)).toBe(setup.secret);
    // Pending: logging in is as before.
    await h.caller().auth.login({ username: ada.email, password: PASSWORD });
    // Starting again replaces the secret that was never confirmed.
    const again = await h.caller(ada.token).auth.mfa.setupTotp({ password: PASSWORD });
    expect(again.secret).not.toBe(setup.secret);
    await freshTotpWindow();
    const stale = h.caller(ada.token).auth.mfa.confirmTotp({ code: totpCode(setup.secret) });
    if (totpCode(setup.secret) !== totpCode(again.secret))
      expect(await errorCodeOf(stale)).toBe('WRONG_MFA_CODE');
    const { recovery_codes } = await h
      .caller(ada.token)
      .auth.mfa.confirmTotp({ code: totpCode(again.secret) });
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
    expect(await h.caller(ada.token).auth.mfa.status()).toEqual({
      totp: true,
      passkeys: 0,
      recovery_codes_left: 10,
    });
    const stored = await h.db.orm.em.fork().find(RecoveryCode, { userId: ada.id });
    expect(stored.map((c) => c.codeHash)).not.toEqual(expect.arrayContaining([recovery_codes[0]]));
    expect(await actions(ada.id)).toEqual(expect.arrayContaining(['mfa.totp_enrolled', 'mfa.enabled']));
    expect(await errorCodeOf(h.caller(ada.token).auth.mfa.setupTotp({ password: PASSWORD }))).toBe(
      'TOTP_ALREADY_ENABLED',
    );
    expect(await errorCodeOf(h.caller(ada.token).auth.mfa.confirmTotp({ code: '000000' }))).toBe(
      'TOTP_ALREADY_ENABLED',
    );
  });

  it('refuses a wrong first code, and audits it', async () => {
    const bob = await h.account('BobTotp');
    await h.caller(bob.token).auth.mfa.setupTotp({ password: PASSWORD });
    expect(await errorCodeOf(h.caller(bob.token).auth.mfa.confirmTotp({ code: '12345x' }))).toBe(
      'VALIDATION_ERROR',
    );
    const setup = await h.db.orm.em.fork().findOneOrFail(TotpFactor, { userId: bob.id });
    const secret = h.deps.mfaKeys.box.open(setup.secretEncrypted, bob.id)!;
    const wrong = totpCode(secret) === '000000' ? '111111' : '000000';
    expect(await errorCodeOf(h.caller(bob.token).auth.mfa.confirmTotp({ code: wrong }))).toBe(
      'WRONG_MFA_CODE',
    );
    expect(await actions(bob.id)).toContain('mfa.code_failed');
  });
});

describe('logging in with an authenticator app', () => {
  let cid: Account;
  let secret: string;
  let codes: string[];
  beforeAll(async () => {
    cid = await h.account('CidLogin');
    ({ secret, codes } = await enrolTotp(h, cid));
  });

  it('answers 401 MFA_REQUIRED with an mfa_token and the methods, and no token', async () => {
    const refused = await refusalOf(h.caller().auth.login({ username: cid.email, password: PASSWORD }));
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      detail: expect.stringContaining('/auth/login/mfa'),
      code: 'MFA_REQUIRED',
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      methods: ['totp', 'recovery_code'],
    });
    // A wrong password is still just that.
    expect(await errorCodeOf(h.caller().auth.login({ username: cid.email, password: 'nope' }))).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('completes with a code: amr ["pwd","otp"], kept by refreshes; a code and a token work once', async () => {
    const step = await passwordStep(h, cid.email);
    await freshTotpWindow();
    const code = totpCode(secret);
    const session = await h.caller().auth.mfa.verify({ mfa_token: step.token, code });
    expect(session.user.id).toBe(cid.id);
    expect(decodeJwt(session.access_token).amr).toEqual(['pwd', 'otp']);
    expect((await h.caller(session.access_token).auth.me()).id).toBe(cid.id);
    const row = await h.db.orm.em.fork().findOneOrFail(Session, { id: sessionIdOf(session.access_token) });
    expect(row.amr).toBe('pwd,otp');
    const refreshed = await h.caller().auth.refresh({ refresh_token: session.refresh_token });
    expect(decodeJwt(refreshed.access_token).amr).toEqual(['pwd', 'otp']);
    // The token is spent; the same code on a new one is refused (used once).
    expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, code }))).toBe(
      'INVALID_MFA_TOKEN',
    );
    const next = await passwordStep(h, cid.email);
    expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: next.token, code }))).toBe(
      'INVALID_MFA_CODE',
    );
    // A code from an older step than the one used is refused too; the next step's is accepted.
    expect(
      await errorCodeOf(
        h.caller().auth.mfa.verify({ mfa_token: next.token, code: totpCode(secret, Date.now(), -1) }),
      ),
    ).toBe('INVALID_MFA_CODE');
    const later = await h
      .caller()
      .auth.mfa.verify({ mfa_token: next.token, code: totpCode(secret, Date.now(), 1) });
    expect(later.user.id).toBe(cid.id);
    expect(await actions(cid.id)).toEqual(
      expect.arrayContaining(['auth.login_mfa_required', 'mfa.code_failed']),
    );
    // A password-only login keeps its amr.
    const plain = await h.account('PlainAmr');
    expect(decodeJwt(plain.token).amr).toEqual(['pwd']);
  });

  it('completes with a recovery code once: amr ["pwd","rc"]', async () => {
    const step = await passwordStep(h, cid.email);
    const session = await h
      .caller()
      .auth.mfa.verify({ mfa_token: step.token, recovery_code: codes[0]!.toUpperCase() });
    expect(decodeJwt(session.access_token).amr).toEqual(['pwd', 'rc']);
    expect((await h.caller(session.access_token).auth.mfa.status()).recovery_codes_left).toBe(9);
    const again = await passwordStep(h, cid.email);
    expect(
      await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: again.token, recovery_code: codes[0]! })),
    ).toBe('INVALID_MFA_CODE');
    expect(await actions(cid.id)).toContain('mfa.recovery_code_used');
  });

  it('takes exactly one of code and recovery_code, and refuses expired or unknown tokens', async () => {
    const step = await passwordStep(h, cid.email);
    expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token }))).toBe('VALIDATION_ERROR');
    expect(
      await errorCodeOf(
        h.caller().auth.mfa.verify({ mfa_token: step.token, code: '123456', recovery_code: codes[1]! }),
      ),
    ).toBe('VALIDATION_ERROR');
    expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: 'unknown', code: '123456' }))).toBe(
      'INVALID_MFA_TOKEN',
    );
    await expireMfaTokens(h, cid.id);
    expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, code: '123456' }))).toBe(
      'INVALID_MFA_TOKEN',
    );
  });

  it('refuses an account deactivated since the password step', async () => {
    const dee = await h.account('DeeGone');
    const { secret: deeSecret } = await enrolTotp(h, dee);
    const step = await passwordStep(h, dee.email);
    await h.setColumns(dee.id, { isActive: false });
    await freshTotpWindow();
    expect(
      await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, code: totpCode(deeSecret) })),
    ).toBe('ACCOUNT_DEACTIVATED');
  });
});

describe('limits on wrong codes (always on)', () => {
  it('five wrong answers per mfa_token, then 429 until it expires', async () => {
    const eve = await h.account('EveToken');
    const { secret } = await enrolTotp(h, eve);
    const step = await passwordStep(h, eve.email);
    const wrong = (i: number) => String((Number(totpCode(secret)) + 1 + i) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, code: wrong(i) }))).toBe(
        'INVALID_MFA_CODE',
      );
    }
    await freshTotpWindow();
    const refused = await refusalOf(
      h.caller().auth.mfa.verify({ mfa_token: step.token, code: totpCode(secret) }),
    );
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(200);
    // A new login (the password again) may go on.
    const fresh = await passwordStep(h, eve.email);
    expect(
      (await h.caller().auth.mfa.verify({ mfa_token: fresh.token, code: totpCode(secret) })).user.id,
    ).toBe(eve.id);
  });

  it('ten wrong codes per account in 15 minutes, across tokens and signed-in checks', async () => {
    const fay = await h.account('FayAccount');
    const { secret, codes } = await enrolTotp(h, fay);
    const wrong = '000000' === totpCode(secret) ? '999999' : '000000';
    for (let i = 0; i < 3; i++) {
      const step = await passwordStep(h, fay.email);
      for (let j = 0; j < 3; j++) {
        expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, code: wrong }))).toBe(
          'INVALID_MFA_CODE',
        );
      }
    }
    expect(
      await errorCodeOf(
        h.caller(fay.token).auth.mfa.disableTotp({ password: PASSWORD, recovery_code: 'zzzzz-zzzzz' }),
      ),
    ).toBe('WRONG_MFA_CODE');
    const step = await passwordStep(h, fay.email);
    await freshTotpWindow();
    const refused = await refusalOf(
      h.caller().auth.mfa.verify({ mfa_token: step.token, code: totpCode(secret) }),
    );
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(800);
    expect(
      await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, recovery_code: codes[0]! })),
    ).toBe('RATE_LIMITED');
    // The window ends: the right code gets in, and a success gives its attempt back.
    await h.db.orm.em
      .fork()
      .nativeUpdate(TotpFactor, { userId: fay.id }, { failedSince: new Date(Date.now() - 16 * 60_000) });
    const session = await h.caller().auth.mfa.verify({ mfa_token: step.token, code: totpCode(secret) });
    expect(session.user.id).toBe(fay.id);
    const row = await h.db.orm.em.fork().findOneOrFail(TotpFactor, { userId: fay.id });
    expect(row.failedCount).toBe(0);
  });
});

describe('recovery codes and turning the app off', () => {
  it('regenerates a set (the old one void) and disables the app, each after the password and a factor', async () => {
    const gus = await h.account('GusChange');
    const { secret, codes } = await enrolTotp(h, gus);
    const me = h.caller(gus.token).auth.mfa;
    await freshTotpWindow();
    expect(
      await errorCodeOf(me.regenerateRecoveryCodes({ password: 'wrong one', code: totpCode(secret) })),
    ).toBe('WRONG_PASSWORD');
    expect(
      await errorCodeOf(me.regenerateRecoveryCodes({ password: PASSWORD, recovery_code: 'aaaaa-bbbbb' })),
    ).toBe('WRONG_MFA_CODE');
    const fresh = await me.regenerateRecoveryCodes({ password: PASSWORD, code: totpCode(secret) });
    expect(fresh.recovery_codes).toHaveLength(10);
    expect(fresh.recovery_codes).not.toContain(codes[1]);
    expect(await actions(gus.id)).toContain('mfa.recovery_codes_regenerated');
    const step = await passwordStep(h, gus.email);
    expect(
      await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, recovery_code: codes[1]! })),
    ).toBe('INVALID_MFA_CODE');

    await me.disableTotp({ password: PASSWORD, recovery_code: fresh.recovery_codes[0]! });
    expect(await me.status()).toEqual({ totp: false, passkeys: 0, recovery_codes_left: 0 });
    expect(await actions(gus.id)).toContain('mfa.disabled');
    const plain = await h.caller().auth.login({ username: gus.email, password: PASSWORD });
    expect(decodeJwt(plain.access_token).amr).toEqual(['pwd']);
    expect(await errorCodeOf(me.disableTotp({ password: PASSWORD, code: '123456' }))).toBe(
      'MFA_METHOD_UNAVAILABLE',
    );
    await forgetLastStep(h, gus.id);
  });
});
