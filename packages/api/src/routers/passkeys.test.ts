import { AuditEvent, Passkey, User, WebAuthnChallenge } from '@roster/db';
import { SoftAuthenticator } from '@roster/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, PASSWORD, TEST_SETTINGS, type Harness } from '../test/harness.js';
import { enrolTotp, passwordStep, refusalOf, registerPasskey } from '../test/mfa.js';

const ORIGIN = 'https://roster.example';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ...TEST_SETTINGS, publicUrl: ORIGIN });
});
afterAll(() => h.close());

async function passwordless(device: SoftAuthenticator) {
  const options = await h.caller().auth.passkeys.loginOptions();
  return h.caller().auth.passkeys.login({ response: device.get(options) });
}

describe('registering passkeys', () => {
  it('offers creation options for this relying party and keeps the passkey the browser made', async () => {
    const ada = await h.account('AdaKeys');
    const device = new SoftAuthenticator(ORIGIN);
    const me = h.caller(ada.token).auth.passkeys;
    const options = await me.registerOptions();
    expect(options).toMatchObject({
      rp: { id: 'roster.example', name: 'Roster' },
      user: { name: 'adakeys@example.com', displayName: 'AdaKeys' },
      timeout: 300_000,
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required' },
      excludeCredentials: [],
    });
    const passkey = await me.register({ name: 'Laptop', response: device.create(options) });
    expect(passkey).toEqual({
      id: expect.any(Number),
      name: 'Laptop',
      created_at: expect.any(String),
      last_used_at: null,
      device_type: 'singleDevice',
      backed_up: false,
      transports: ['internal'],
    });
    expect(await me.list()).toEqual([passkey]);
    expect(await h.caller(ada.token).auth.mfa.status()).toEqual({
      totp: false,
      passkeys: 1,
      recovery_codes_left: 0,
    });
    const second = await me.registerOptions();
    expect(second.excludeCredentials).toEqual([
      { id: device.credentials[0]!.id.toString('base64url'), type: 'public-key', transports: ['internal'] },
    ]);
    // The same credential again (an authenticator ignoring excludeCredentials) is refused.
    expect(await errorCodeOf(me.register({ response: device.create(second, device.credentials[0]) }))).toBe(
      'PASSKEY_ALREADY_REGISTERED',
    );
    const row = await h.db.orm.em.fork().findOneOrFail(User, { id: ada.id });
    expect(row.mfaEnabled).toBe(true);
    const audit = await h.db.orm.em
      .fork()
      .find(AuditEvent, { targetId: ada.id, action: 'passkey.registered' });
    expect(audit.map((e) => e.details)).toEqual([{ passkey_id: passkey.id, name: 'Laptop' }]);
  });

  it('spends each challenge once, within five minutes, for its own account and origin', async () => {
    const bob = await h.account('BobKeys');
    const other = await h.account('BobOther');
    const me = h.caller(bob.token).auth.passkeys;
    const device = new SoftAuthenticator(ORIGIN);
    const options = await me.registerOptions();
    const response = device.create(options);
    expect(await errorCodeOf(h.caller(other.token).auth.passkeys.register({ response }))).toBe(
      'PASSKEY_REGISTRATION_FAILED',
    );
    await me.register({ response });
    expect(await errorCodeOf(me.register({ response }))).toBe('PASSKEY_REGISTRATION_FAILED');
    const foreign = new SoftAuthenticator('https://evil.example');
    expect(await errorCodeOf(me.register({ response: foreign.create(await me.registerOptions()) }))).toBe(
      'PASSKEY_REGISTRATION_FAILED',
    );
    const late = await me.registerOptions();
    await h.db.orm.em
      .fork()
      .nativeUpdate(WebAuthnChallenge, { userId: bob.id }, { expiresAt: new Date(Date.now() - 1) });
    expect(await errorCodeOf(me.register({ response: device.create(late) }))).toBe(
      'PASSKEY_REGISTRATION_FAILED',
    );
    const garbled = { ...device.create(await me.registerOptions()) };
    garbled.response = { ...garbled.response, clientDataJSON: 'bm90LWpzb24' };
    expect(await errorCodeOf(me.register({ response: garbled }))).toBe('PASSKEY_REGISTRATION_FAILED');
  });

  it('renames and deletes only the owner’s passkeys; a deleted one signs nobody in', async () => {
    const cy = await h.account('CyKeys');
    const eve = await h.account('EveKeys');
    const device = new SoftAuthenticator(ORIGIN);
    const id = await registerPasskey(h, cy, device);
    expect(await errorCodeOf(h.caller(eve.token).auth.passkeys.rename({ id, name: 'Mine now' }))).toBe(
      'PASSKEY_NOT_FOUND',
    );
    expect(await errorCodeOf(h.caller(eve.token).auth.passkeys.remove({ id, password: PASSWORD }))).toBe(
      'PASSKEY_NOT_FOUND',
    );
    expect((await h.caller(cy.token).auth.passkeys.rename({ id, name: '  Phone ' })).name).toBe('Phone');
    expect(await errorCodeOf(h.caller(cy.token).auth.passkeys.rename({ id, name: '   ' }))).toBe(
      'VALIDATION_ERROR',
    );
    await h.caller(cy.token).auth.passkeys.remove({ id, password: PASSWORD });
    expect(await h.caller(cy.token).auth.passkeys.list()).toEqual([]);
    expect((await h.db.orm.em.fork().findOneOrFail(User, { id: cy.id })).mfaEnabled).toBe(false);
    expect(await errorCodeOf(passwordless(device))).toBe('PASSKEY_AUTHENTICATION_FAILED');
    const audit = await h.db.orm.em.fork().find(AuditEvent, { targetId: cy.id, action: 'passkey.deleted' });
    expect(audit.map((e) => e.details)).toEqual([{ passkey_id: id, sessions_ended: 0 }]);
  });
});

describe('signing in with a passkey alone', () => {
  it('opens a session with amr ["hwk"] and moves the sign counter', async () => {
    const dee = await h.account('DeeKeys');
    const device = new SoftAuthenticator(ORIGIN);
    const id = await registerPasskey(h, dee, device);
    const options = await h.caller().auth.passkeys.loginOptions();
    expect(options).toMatchObject({
      rpId: 'roster.example',
      userVerification: 'required',
      allowCredentials: [],
    });
    const response = device.get(options);
    const session = await h.caller().auth.passkeys.login({ response });
    expect(session.user.id).toBe(dee.id);
    expect(decodeJwt(session.access_token).amr).toEqual(['hwk']);
    const row = await h.db.orm.em.fork().findOneOrFail(Passkey, { id });
    expect(row.counter).toBe(1);
    expect(row.lastUsedAt).toBeInstanceOf(Date);
    // The challenge is spent.
    expect(await errorCodeOf(h.caller().auth.passkeys.login({ response }))).toBe(
      'PASSKEY_AUTHENTICATION_FAILED',
    );
    // A clone whose counter did not move on is refused.
    const clone = device.clone();
    await passwordless(device);
    expect(await errorCodeOf(passwordless(clone))).toBe('PASSKEY_AUTHENTICATION_FAILED');
  });

  it('needs user verification, a known passkey, and the account’s own user handle', async () => {
    const fay = await h.account('FayKeys');
    const lazy = new SoftAuthenticator(ORIGIN, false);
    await registerPasskey(h, fay, lazy);
    expect(await errorCodeOf(passwordless(lazy))).toBe('PASSKEY_AUTHENTICATION_FAILED');
    const stranger = new SoftAuthenticator(ORIGIN);
    stranger.create({
      challenge: 'x',
      rp: { id: 'roster.example', name: 'R' },
      user: { id: 'AAAA', name: 'x', displayName: 'x' },
    });
    expect(await errorCodeOf(passwordless(stranger))).toBe('PASSKEY_AUTHENTICATION_FAILED');
    const device = new SoftAuthenticator(ORIGIN);
    await registerPasskey(h, fay, device);
    device.credentials[0]!.userHandle = 'AAAA';
    expect(await errorCodeOf(passwordless(device))).toBe('PASSKEY_AUTHENTICATION_FAILED');
  });

  it('signs no deactivated account in', async () => {
    const gus = await h.account('GusKeys');
    const device = new SoftAuthenticator(ORIGIN);
    await registerPasskey(h, gus, device);
    await h.setColumns(gus.id, { isActive: false });
    expect(await errorCodeOf(passwordless(device))).toBe('ACCOUNT_DEACTIVATED');
  });
});

describe('a passkey as the second step of a password login', () => {
  it('is offered as "webauthn" and completes the login with amr ["pwd","hwk"]', async () => {
    const hal = await h.account('HalKeys');
    const device = new SoftAuthenticator(ORIGIN);
    await registerPasskey(h, hal, device);
    const step = await passwordStep(h, hal.email);
    expect(step.methods).toEqual(['webauthn']);
    expect(await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, code: '123456' }))).toBe(
      'MFA_METHOD_UNAVAILABLE',
    );
    const options = await h.caller().auth.mfa.passkeyOptions({ mfa_token: step.token });
    expect(options.allowCredentials).toEqual([
      expect.objectContaining({ id: device.credentials[0]!.id.toString('base64url') }),
    ]);
    // Another account's passkey does not do, and the attempt counts.
    const intruder = await h.account('IntruderKeys');
    const theirs = new SoftAuthenticator(ORIGIN);
    await registerPasskey(h, intruder, theirs);
    expect(
      await errorCodeOf(
        h.caller().auth.mfa.passkeyVerify({
          mfa_token: step.token,
          response: theirs.get({ ...options, allowCredentials: [] }),
        }),
      ),
    ).toBe('PASSKEY_AUTHENTICATION_FAILED');
    const again = await h.caller().auth.mfa.passkeyOptions({ mfa_token: step.token });
    const session = await h
      .caller()
      .auth.mfa.passkeyVerify({ mfa_token: step.token, response: device.get(again) });
    expect(decodeJwt(session.access_token).amr).toEqual(['pwd', 'hwk']);
    expect(await errorCodeOf(h.caller().auth.mfa.passkeyOptions({ mfa_token: step.token }))).toBe(
      'INVALID_MFA_TOKEN',
    );
  });

  it('sits beside an authenticator app, and is refused once the token took five wrong answers', async () => {
    const ivy = await h.account('IvyKeys');
    const device = new SoftAuthenticator(ORIGIN);
    await registerPasskey(h, ivy, device);
    await enrolTotp(h, ivy);
    const step = await passwordStep(h, ivy.email);
    expect(step.methods).toEqual(['totp', 'recovery_code', 'webauthn']);
    for (let i = 0; i < 5; i++) {
      await errorCodeOf(h.caller().auth.mfa.verify({ mfa_token: step.token, recovery_code: 'wrong-guess' }));
    }
    const refused = await refusalOf(h.caller().auth.mfa.passkeyOptions({ mfa_token: step.token }));
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    // An account with no passkey has none to offer.
    const jo = await h.account('JoNoKeys');
    await enrolTotp(h, jo);
    const joStep = await passwordStep(h, jo.email);
    expect(await errorCodeOf(h.caller().auth.mfa.passkeyOptions({ mfa_token: joStep.token }))).toBe(
      'MFA_METHOD_UNAVAILABLE',
    );
  });
});
