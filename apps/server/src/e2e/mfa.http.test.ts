import { createRosterClient, isRosterError } from '@roster/sdk';
import { freshTotpWindow, totpCode } from '@roster/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, newAccount, register, registerAndLogin, type Session } from '../test/accounts.js';
import { auditLog, ROOT, ROOT_ENV, startWithRoot, tokenFor, type AdminSession } from '../test/admin.js';
import { http, startTestServer, type TestServer } from '../test/harness.js';

// Authenticator apps and recovery codes over REST (and the login's second step over tRPC too): enrolment, the 401
// MFA_REQUIRED answer, POST /auth/login/mfa, the limits on wrong codes, and what admins can do.

interface Setup {
  secret: string;
  otpauth_url: string;
  qr_svg: string;
}
interface MfaRequired {
  detail: string;
  code: 'MFA_REQUIRED';
  mfa_token: string;
  methods: string[];
}

let admin: AdminSession;
let server: TestServer;
let req: ReturnType<typeof api>;
beforeAll(async () => {
  admin = await startWithRoot();
  ({ server, req } = admin);
});
afterAll(() => server.close());

/** Setup and confirm for a signed-in account: its secret and recovery codes. */
async function enrol(session: Session): Promise<{ secret: string; codes: string[] }> {
  const setup = await req<Setup>('POST', '/auth/mfa/totp/setup', {
    token: session.token,
    json: { password: session.account.password },
  });
  expect(setup.status, JSON.stringify(setup.body)).toBe(200);
  await freshTotpWindow();
  const confirm = await req<{ recovery_codes: string[] }>('POST', '/auth/mfa/totp/confirm', {
    token: session.token,
    json: { code: totpCode(setup.body.secret) },
  });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  return { secret: setup.body.secret, codes: confirm.body.recovery_codes };
}

/** The next step's code: the current one was used by the confirmation. */
const nextCode = (secret: string) => totpCode(secret, Date.now(), 1);

describe('an authenticator app over REST', () => {
  let ada: Session;
  let secret: string;
  let codes: string[];

  it('enrols: setup answers the secret, URL and QR code; confirm answers ten recovery codes', async () => {
    ada = await registerAndLogin(server, 'ada');
    const before = await req('GET', '/auth/mfa', { token: ada.token });
    expect(before.body).toEqual({ totp: false, passkeys: 0, recovery_codes_left: 0 });
    const setup = await req<Setup>('POST', '/auth/mfa/totp/setup', {
      token: ada.token,
      json: { password: ada.account.password },
    });
    expect(setup.status).toBe(200);
    expect(setup.body.otpauth_url).toContain(`secret=${setup.body.secret}`);
    expect(setup.body.qr_svg).toMatch(/^<svg /);
    const bad = await req('POST', '/auth/mfa/totp/confirm', { token: ada.token, json: { code: 'abcdef' } });
    expect(bad.status).toBe(422);
    await freshTotpWindow();
    const confirm = await req<{ recovery_codes: string[] }>('POST', '/auth/mfa/totp/confirm', {
      token: ada.token,
      json: { code: totpCode(setup.body.secret) },
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body.recovery_codes).toHaveLength(10);
    secret = setup.body.secret;
    codes = confirm.body.recovery_codes;
    expect((await req('GET', '/auth/mfa', { token: ada.token })).body).toEqual({
      totp: true,
      passkeys: 0,
      recovery_codes_left: 10,
    });
  });

  it('login (form or JSON) answers 401 MFA_REQUIRED with an mfa_token and no access token', async () => {
    const form = await login(server, ada.account.email, ada.account.password);
    expect(form.status).toBe(401);
    expect(form.headers.get('www-authenticate')).toBe('Bearer');
    expect(form.body).toEqual({
      detail: expect.any(String),
      code: 'MFA_REQUIRED',
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      methods: ['totp', 'recovery_code'],
    });
    const json = await req<MfaRequired>('POST', '/auth/login', {
      json: { username: ada.account.username, password: ada.account.password },
    });
    expect(json.status).toBe(401);
    expect(json.body.mfa_token).not.toBe((form.body as unknown as MfaRequired).mfa_token);
  });

  it('POST /auth/login/mfa with a code answers the login response; its token says amr ["pwd","otp"]', async () => {
    const step = (await login(server, ada.account.email, ada.account.password))
      .body as unknown as MfaRequired;
    const done = await req<{ access_token: string; refresh_token: string }>('POST', '/auth/login/mfa', {
      json: { mfa_token: step.mfa_token, code: nextCode(secret) },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodeJwt(done.body.access_token).amr).toEqual(['pwd', 'otp']);
    expect((await req('GET', '/auth/me', { token: done.body.access_token })).status).toBe(200);
    const refreshed = await req<{ access_token: string }>('POST', '/auth/refresh', {
      json: { refresh_token: done.body.refresh_token },
    });
    expect(decodeJwt(refreshed.body.access_token).amr).toEqual(['pwd', 'otp']);
    const reused = await req('POST', '/auth/login/mfa', {
      json: { mfa_token: step.mfa_token, code: nextCode(secret) },
    });
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ code: 'INVALID_MFA_TOKEN' });
  });

  it('the same step over tRPC: the error data carries mfa_token and methods', async () => {
    const res = await http<{ error: { data: MfaRequired & { httpStatus: number } } }>(
      server.url,
      'POST',
      '/trpc/auth.login',
      { json: { username: ada.account.email, password: ada.account.password } },
    );
    expect(res.status).toBe(401);
    expect(res.body.error.data).toMatchObject({
      code: 'MFA_REQUIRED',
      httpStatus: 401,
      methods: ['totp', 'recovery_code'],
    });
    const done = await http<{ result: { data: { access_token: string } } }>(
      server.url,
      'POST',
      '/trpc/auth.mfa.verify',
      {
        json: { mfa_token: res.body.error.data.mfa_token, recovery_code: codes[0] },
      },
    );
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.result.data.access_token).amr).toEqual(['pwd', 'rc']);
  });

  it('regenerates recovery codes and turns the app off (204), each ending the other sessions', async () => {
    /** Another device's session: the password and a recovery code. */
    const otherSession = async (recoveryCode: string) => {
      const step = (await login(server, ada.account.email, ada.account.password))
        .body as unknown as MfaRequired;
      const done = await req<{ access_token: string }>('POST', '/auth/login/mfa', {
        json: { mfa_token: step.mfa_token, recovery_code: recoveryCode },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect((await req('GET', '/auth/me', { token: done.body.access_token })).status).toBe(200);
      return done.body.access_token;
    };
    const ended = async (token: string) => {
      const res = await req('GET', '/auth/me', { token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'INVALID_TOKEN' });
      expect((await req('GET', '/auth/me', { token: ada.token })).status).toBe(200);
    };
    const before = await otherSession(codes[3]!);
    const regenerated = await req<{ recovery_codes: string[] }>('POST', '/auth/mfa/recovery-codes', {
      token: ada.token,
      json: { password: ada.account.password, recovery_code: codes[1] },
    });
    expect(regenerated.status).toBe(200);
    await ended(before);
    const wrong = await req('POST', '/auth/mfa/totp/disable', {
      token: ada.token,
      json: { password: ada.account.password, recovery_code: codes[2] },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: 'WRONG_MFA_CODE' });
    const later = await otherSession(regenerated.body.recovery_codes[1]!);
    const off = await req('POST', '/auth/mfa/totp/disable', {
      token: ada.token,
      json: { password: ada.account.password, recovery_code: regenerated.body.recovery_codes[0] },
    });
    expect(off.status).toBe(204);
    await ended(later);
    const plain = await login(server, ada.account.email, ada.account.password);
    expect(plain.status).toBe(200);
    expect(decodeJwt(plain.body.access_token).amr).toEqual(['pwd']);
    const actions = (await auditLog(admin, { target_id: ada.user.id })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'mfa.totp_enrolled',
        'mfa.enabled',
        'mfa.recovery_code_used',
        'mfa.recovery_codes_regenerated',
        'mfa.code_failed',
        'mfa.disabled',
      ]),
    );
  });
});

describe('the SDK', () => {
  it('login() answers {status: "mfa_required"}, and mfa.verify completes it and keeps the session', async () => {
    const bea = await registerAndLogin(server, 'bea');
    const { secret } = await enrol(bea);
    const roster = createRosterClient({ url: server.url });
    const first = await roster.login({ username: bea.account.email, password: bea.account.password });
    expect(first).toEqual({
      status: 'mfa_required',
      mfaToken: expect.any(String),
      methods: ['totp', 'recovery_code'],
      detail: expect.any(String),
    });
    if (first.status !== 'mfa_required') throw new Error('unreachable');
    const session = await roster.mfa.verify({ mfaToken: first.mfaToken, code: nextCode(secret) });
    expect(session.status).toBe('authenticated');
    expect((await roster.auth.me.query()).id).toBe(bea.user.id);
    expect(await roster.mfa.status()).toEqual({ totp: true, passkeys: 0, recovery_codes_left: 10 });
    const wrong = await roster.mfa.verify({ mfaToken: 'nope', code: '123456' }).catch((e: unknown) => e);
    expect(isRosterError(wrong) && wrong.code).toBe('INVALID_MFA_TOKEN');
  });
});

describe('limits on wrong codes over HTTP', () => {
  it('answer 429 RATE_LIMITED with Retry-After after five wrong codes on one mfa_token', async () => {
    const cy = await registerAndLogin(server, 'cy');
    const { secret } = await enrol(cy);
    const step = (await login(server, cy.account.email, cy.account.password)).body as unknown as MfaRequired;
    const wrong = nextCode(secret) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await req('POST', '/auth/login/mfa', { json: { mfa_token: step.mfa_token, code: wrong } });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'INVALID_MFA_CODE' });
    }
    const limited = await req('POST', '/auth/login/mfa', {
      json: { mfa_token: step.mfa_token, code: nextCode(secret) },
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(200);
  });
});

describe('admins', () => {
  it('see mfa_enabled, and DELETE /admin/users/{id}/mfa resets every factor and ends the sessions', async () => {
    const dee = await registerAndLogin(server, 'dee');
    await enrol(dee);
    const record = await req<{ mfa_enabled: boolean }>('GET', `/admin/users/${dee.user.id}`, {
      token: admin.rootToken,
    });
    expect(record.body.mfa_enabled).toBe(true);
    const reset = await req('DELETE', `/admin/users/${dee.user.id}/mfa`, { token: admin.rootToken });
    expect(reset.status).toBe(204);
    expect((await req('GET', '/auth/me', { token: dee.token })).status).toBe(401);
    expect((await login(server, dee.account.email, dee.account.password)).status).toBe(200);
    const [event] = await auditLog(admin, { target_id: dee.user.id, action: 'admin.mfa_reset' });
    expect(event).toMatchObject({ actor_id: admin.root.id, details: { totp: true, sessions_ended: 1 } });
    const notAdmin = await req('DELETE', `/admin/users/${dee.user.id}/mfa`, { token: dee.token });
    expect(notAdmin.status).toBe(401);
  });

  it('REQUIRE_MFA_FOR_ADMINS=true: 403 MFA_ENROLLMENT_REQUIRED until the admin enrols', async () => {
    const strict = await startTestServer({ ...ROOT_ENV, REQUIRE_MFA_FOR_ADMINS: 'true' });
    try {
      const sreq = api(strict);
      const rootToken = await tokenFor(strict, ROOT.email, ROOT.password);
      const refused = await sreq('GET', '/admin/stats', { token: rootToken });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'MFA_ENROLLMENT_REQUIRED' });
      const setup = await sreq<Setup>('POST', '/auth/mfa/totp/setup', {
        token: rootToken,
        json: { password: ROOT.password },
      });
      expect(setup.status).toBe(200);
      await freshTotpWindow();
      const confirmed = await sreq('POST', '/auth/mfa/totp/confirm', {
        token: rootToken,
        json: { code: totpCode(setup.body.secret) },
      });
      expect(confirmed.status).toBe(200);
      expect((await sreq('GET', '/admin/stats', { token: rootToken })).status).toBe(200);
      // A new login of that admin now takes the second step.
      const again = await login(strict, ROOT.email, ROOT.password);
      expect(again.body).toMatchObject({ code: 'MFA_REQUIRED' });
    } finally {
      await strict.close();
    }
  });
});

describe('an account without second factors', () => {
  it('logs in as before, with amr ["pwd"]', async () => {
    const account = newAccount('eve');
    await register(server, account);
    const res = await login(server, account.email, account.password);
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).amr).toEqual(['pwd']);
  });
});
