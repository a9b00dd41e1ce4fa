import { freshTotpWindow, SoftAuthenticator, totpCode } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRosterClient, isMfaRequired, isRosterError, loginSession, type LoginResult } from './index.js';
import {
  browserSupportsWebAuthn,
  registerPasskey,
  signInWithPasskey,
  verifyWithPasskey,
} from './passkeys.js';
import { failure } from './test/calls.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';

// Second factors through the SDK: login() tells a session from a pending second step, mfa.* completes it and
// manages the authenticator app, passkeys.* manages passkeys with a ceremony (here a software authenticator; in
// browsers the @roster/sdk/passkeys entry runs @simplewebauthn/browser's).
const ORIGIN = 'https://roster.example';
let server: SpawnedServer;
beforeAll(async () => {
  server = await spawnServer({ env: { PUBLIC_URL: ORIGIN } });
});
afterAll(() => server?.close());

async function signedIn() {
  const input = newUser('mfa');
  const roster = createRosterClient({ url: server.url });
  await roster.register(input);
  loginSession(await roster.login({ username: input.username, password: input.password }));
  return { roster, input };
}

describe('an authenticator app', () => {
  it('enrols, then login() answers mfa_required and mfa.verify completes it', async () => {
    const { roster, input } = await signedIn();
    const setup = await roster.mfa.setupTotp(input.password);
    expect(setup.otpauth_url).toContain(setup.secret);
    await freshTotpWindow();
    const codes = await roster.mfa.confirmTotp(totpCode(setup.secret));
    expect(codes).toHaveLength(10);
    expect(await roster.mfa.status()).toEqual({ totp: true, passkeys: 0, recovery_codes_left: 10 });

    const fresh = createRosterClient({ url: server.url });
    const first: LoginResult = await fresh.login({ username: input.email, password: input.password });
    expect(first).toEqual({
      status: 'mfa_required',
      mfaToken: expect.any(String),
      methods: ['totp', 'recovery_code'],
      detail: expect.any(String),
    });
    expect(isMfaRequired(first)).toBe(true);
    expect(() => loginSession(first)).toThrow(/needs a second factor \(totp, recovery_code\)/);
    expect(await fresh.getToken()).toBeNull();
    if (first.status !== 'mfa_required') throw new Error('unreachable');
    const session = await fresh.mfa.verify({
      mfaToken: first.mfaToken,
      code: totpCode(setup.secret, Date.now(), 1),
    });
    expect(session).toMatchObject({
      status: 'authenticated',
      token_type: 'bearer',
      user: { username: input.username },
    });
    expect(await fresh.getToken()).toBe(session.access_token);
    expect((await fresh.auth.me.query()).username).toBe(input.username);

    const again = await fresh.login({ username: input.email, password: input.password });
    if (again.status !== 'mfa_required') throw new Error('expected the second step');
    await fresh.mfa.verify({ mfaToken: again.mfaToken, recoveryCode: codes[0]! });
    expect(await failure(fresh.mfa.verify({ mfaToken: again.mfaToken, recoveryCode: codes[1]! }))).toEqual({
      code: 'INVALID_MFA_TOKEN',
      status: 401,
    });

    const renewed = await fresh.mfa.regenerateRecoveryCodes({
      password: input.password,
      recoveryCode: codes[2]!,
    });
    expect(renewed).toHaveLength(10);
    await fresh.mfa.disableTotp({ password: input.password, recoveryCode: renewed[0]! });
    const plain = await fresh.login({ username: input.email, password: input.password });
    expect(plain.status).toBe('authenticated');
  });

  it('other failures of login() still reject with a RosterError', async () => {
    const roster = createRosterClient({ url: server.url });
    const error = await roster
      .login({ username: 'nobody', password: 'wrong password' })
      .catch((e: unknown) => e);
    expect(isRosterError(error) && [error.code, error.mfaToken]).toEqual(['INVALID_CREDENTIALS', undefined]);
  });
});

describe('passkeys', () => {
  it('registers, lists, renames, signs in alone and as second step, and removes', async () => {
    const { roster, input } = await signedIn();
    const device = new SoftAuthenticator(ORIGIN);
    const created = await roster.passkeys.register(async (options) => device.create(options), {
      name: 'Laptop',
    });
    expect(created).toMatchObject({ name: 'Laptop', transports: ['internal'] });
    expect(await roster.passkeys.list()).toEqual([created]);
    expect((await roster.passkeys.rename(created.id, 'Desk')).name).toBe('Desk');

    const browser = createRosterClient({ url: server.url });
    const session = await browser.passkeys.signIn(async (options) => device.get(options));
    expect(session.status).toBe('authenticated');
    expect((await browser.auth.me.query()).username).toBe(input.username);

    const step = await browser.login({ username: input.username, password: input.password });
    if (step.status !== 'mfa_required') throw new Error('expected the second step');
    expect(step.methods).toEqual(['webauthn']);
    const second = await browser.mfa.verifyWithPasskey(step.mfaToken, async (options) => device.get(options));
    expect(second.status).toBe('authenticated');

    expect(await failure(roster.passkeys.remove(created.id, 'not the password'))).toEqual({
      code: 'WRONG_PASSWORD',
      status: 403,
    });
    await roster.passkeys.remove(created.id, input.password);
    expect(await roster.passkeys.list()).toEqual([]);
    expect(await failure(browser.passkeys.signIn(async (options) => device.get(options)))).toEqual({
      code: 'PASSKEY_AUTHENTICATION_FAILED',
      status: 401,
    });
  });

  it('@roster/sdk/passkeys wraps the browser: outside one, WebAuthn is not supported', async () => {
    const roster = createRosterClient({ url: server.url });
    expect(browserSupportsWebAuthn()).toBe(false);
    await expect(signInWithPasskey(roster)).rejects.toThrow('WebAuthn is not supported');
    await expect(verifyWithPasskey(roster, 'token')).rejects.toThrow();
    const { roster: signed } = await signedIn();
    await expect(registerPasskey(signed, { name: 'x' })).rejects.toThrow('WebAuthn is not supported');
  });
});
