import { SoftAuthenticator } from '@roster/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, registerAndLogin, type Session } from '../test/accounts.js';
import { auditLog, startWithRoot, type AdminSession } from '../test/admin.js';
import { startTestServer } from '../test/harness.js';

// Passkeys over REST, with a software authenticator answering as a browser at PUBLIC_URL would: registration,
// the owner's list, passwordless sign-in, a passkey as second step, and the relying party's configuration.
// (apps/server/src/e2e/passkeys.browser.test.ts does the same in Chromium, through the SDK.)

const PUBLIC_URL = 'https://accounts.example.com';
interface PasskeyOut {
  id: number;
  name: string;
  last_used_at: string | null;
}
type Options = Parameters<SoftAuthenticator['create']>[0] & { excludeCredentials?: unknown[] };

let admin: AdminSession;
let req: ReturnType<typeof api>;
beforeAll(async () => {
  admin = await startWithRoot({ PUBLIC_URL });
  req = admin.req;
});
afterAll(() => admin.server.close());

async function registerPasskey(session: Session, device: SoftAuthenticator, name = 'Laptop') {
  const options = await req<Options>('POST', '/auth/passkeys/register/options', { token: session.token });
  expect(options.status).toBe(200);
  const created = await req<PasskeyOut>('POST', '/auth/passkeys/register/verify', {
    token: session.token,
    json: { name, response: device.create(options.body) },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

async function passkeyLogin(device: SoftAuthenticator) {
  const options = await req<{ challenge: string }>('POST', '/auth/passkeys/login/options');
  expect(options.status).toBe(200);
  return req<{ access_token: string; user: { id: number } }>('POST', '/auth/passkeys/login/verify', {
    json: { response: device.get(options.body) },
  });
}

describe('passkeys over REST', () => {
  let ada: Session;
  const device = new SoftAuthenticator(PUBLIC_URL);
  let passkey: PasskeyOut;

  it('registers: options name PUBLIC_URL’s host as relying party; verify answers 201 with the passkey', async () => {
    ada = await registerAndLogin(admin.server, 'ada');
    const options = await req<Options>('POST', '/auth/passkeys/register/options', { token: ada.token });
    expect(options.body).toMatchObject({
      rp: { id: 'accounts.example.com', name: 'Roster' },
      attestation: 'none',
    });
    const anonymous = await req('POST', '/auth/passkeys/register/options');
    expect(anonymous.status).toBe(401);
    passkey = await registerPasskey(ada, device);
    expect(passkey).toMatchObject({ name: 'Laptop', last_used_at: null });
    const list = await req<PasskeyOut[]>('GET', '/auth/passkeys', { token: ada.token });
    expect(list.body.map((p) => p.id)).toEqual([passkey.id]);
    const status = await req('GET', '/auth/mfa', { token: ada.token });
    expect(status.body).toEqual({ totp: false, passkeys: 1, recovery_codes_left: 0 });
    const bad = await req('POST', '/auth/passkeys/register/verify', {
      token: ada.token,
      json: { response: { id: 'x' } },
    });
    expect(bad.status).toBe(422);
  });

  it('signs in without a password: amr ["hwk"]', async () => {
    const res = await passkeyLogin(device);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.id).toBe(ada.user.id);
    expect(decodeJwt(res.body.access_token).amr).toEqual(['hwk']);
    const list = await req<PasskeyOut[]>('GET', '/auth/passkeys', { token: ada.token });
    expect(list.body[0]?.last_used_at).not.toBeNull();
  });

  it('is the second step of a password login: methods ["webauthn"], amr ["pwd","hwk"]', async () => {
    const first = await login(admin.server, ada.account.email, ada.account.password);
    expect(first.status).toBe(401);
    const { mfa_token: token, methods } = first.body as unknown as { mfa_token: string; methods: string[] };
    expect(methods).toEqual(['webauthn']);
    const options = await req<{ challenge: string; allowCredentials: { id: string }[] }>(
      'POST',
      '/auth/login/mfa/webauthn/options',
      { json: { mfa_token: token } },
    );
    expect(options.body.allowCredentials).toHaveLength(1);
    const done = await req<{ access_token: string }>('POST', '/auth/login/mfa/webauthn/verify', {
      json: { mfa_token: token, response: device.get(options.body) },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(decodeJwt(done.body.access_token).amr).toEqual(['pwd', 'hwk']);
  });

  it('renames (PATCH) and deletes (POST …/delete with the password, 204), ending the other sessions', async () => {
    const renamed = await req<PasskeyOut>('PATCH', `/auth/passkeys/${passkey.id}`, {
      token: ada.token,
      json: { name: 'Work laptop' },
    });
    expect(renamed.body.name).toBe('Work laptop');
    const path = `/auth/passkeys/${passkey.id}/delete`;
    const wrong = await req('POST', path, { token: ada.token, json: { password: 'not my password' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: 'WRONG_PASSWORD' });
    const bare = await req('POST', path, { token: ada.token, json: {} });
    expect(bare.status).toBe(422);
    expect(bare.body).toMatchObject({ code: 'VALIDATION_ERROR', issues: [{ path: ['password'] }] });
    // The password never travels in a URL: DELETE on the passkey is not a route.
    const old = await req('DELETE', `/auth/passkeys/${passkey.id}`, { token: ada.token });
    expect(old.status).toBe(405);
    const other = await registerAndLogin(admin.server, 'eve');
    const foreign = await req('POST', path, {
      token: other.token,
      json: { password: other.account.password },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'PASSKEY_NOT_FOUND' });
    const elsewhere = await passkeyLogin(device);
    expect(elsewhere.status).toBe(200);
    const removed = await req('POST', path, { token: ada.token, json: { password: ada.account.password } });
    expect(removed.status).toBe(204);
    // Every other session of the account ended with it; this one stays.
    expect((await req('GET', '/auth/me', { token: elsewhere.body.access_token })).status).toBe(401);
    expect((await req('GET', '/auth/me', { token: ada.token })).status).toBe(200);
    const refused = await passkeyLogin(device);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'PASSKEY_AUTHENTICATION_FAILED' });
    const actions = (await auditLog(admin, { target_id: ada.user.id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['passkey.registered', 'passkey.deleted']));
    expect((await login(admin.server, ada.account.email, ada.account.password)).status).toBe(200);
  });

  it('signs no deactivated account in', async () => {
    const bob = await registerAndLogin(admin.server, 'bob');
    const own = new SoftAuthenticator(PUBLIC_URL);
    await registerPasskey(bob, own);
    const off = await req('PATCH', `/admin/users/${bob.user.id}`, {
      token: admin.rootToken,
      json: { is_active: false },
    });
    expect(off.status).toBe(200);
    const refused = await passkeyLogin(own);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'ACCOUNT_DEACTIVATED' });
  });
});

describe('WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS', () => {
  it('bind passkeys to the relying party and origins they name', async () => {
    const server = await startTestServer({
      PUBLIC_URL,
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://app.example.com',
    });
    try {
      const cy = await registerAndLogin(server, 'cy');
      const r = api(server);
      const options = await r<Options>('POST', '/auth/passkeys/register/options', { token: cy.token });
      expect(options.body.rp.id).toBe('example.com');
      const fromPublicUrl = new SoftAuthenticator(PUBLIC_URL);
      const refused = await r('POST', '/auth/passkeys/register/verify', {
        token: cy.token,
        json: { response: fromPublicUrl.create(options.body) },
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'PASSKEY_REGISTRATION_FAILED' });
      const again = await r<Options>('POST', '/auth/passkeys/register/options', { token: cy.token });
      const app = new SoftAuthenticator('https://app.example.com');
      const created = await r('POST', '/auth/passkeys/register/verify', {
        token: cy.token,
        json: { response: app.create(again.body) },
      });
      expect(created.status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
