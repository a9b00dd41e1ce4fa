import type { UserOut } from '@roster/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageLinks, expectErrorBody, newAccount, register } from '../test/accounts.js';
import { sdk, sdkFailure } from '../test/admin.js';
import { http, type TestServer } from '../test/harness.js';
import { linkOf, startInbox, startMailingServer, type Inbox } from '../test/smtp.js';

// Email verification over HTTP with real mail: the link is asked for, received by a real SMTP server, followed;
// a changed address needs the password and is unverified again; REQUIRE_VERIFIED_EMAIL holds logins back.

let inbox: Inbox;
let server: TestServer;
let strict: TestServer; // REQUIRE_VERIFIED_EMAIL=true

beforeAll(async () => {
  inbox = await startInbox();
  [server, strict] = await Promise.all([
    startMailingServer(inbox),
    startMailingServer(inbox, { REQUIRE_VERIFIED_EMAIL: 'true' }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), strict?.close()]);
  await inbox?.close();
});

const login = (on: TestServer, username: string, password: string) =>
  http<{ access_token: string; user: UserOut }>(on.url, 'POST', '/auth/login', {
    form: { username, password },
  });

async function account(prefix = 'verify') {
  const fields = newAccount(prefix);
  const user = await register(server, fields);
  const res = await login(server, fields.email, fields.password);
  expect(res.status).toBe(200);
  return { fields, user, token: res.body.access_token };
}

const requestLink = (token: string, on = server) => http(on.url, 'POST', '/auth/verify/request', { token });
const verify = (token: string, on = server) =>
  http<UserOut>(on.url, 'POST', '/auth/verify', { json: { token } });
const me = (token: string) => http<UserOut>(server.url, 'GET', '/auth/me', { token });

describe('POST /auth/verify/request and the link', () => {
  it('202 and a mail; the link opens the page; its token verifies the address once', async () => {
    const { fields, user, token } = await account();
    expect(user.is_verified).toBe(false);
    const res = await requestLink(token);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ detail: 'Verification link sent' });
    const mail = await inbox.waitFor(fields.email);
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.text).toContain('24 hours');
    const link = linkOf(mail);
    expect(link.page).toBe(`${server.config.publicUrl}/verify-email`);

    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toContain('<script src="/account/pages.js"></script>');

    const verified = await verify(link.token);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ id: user.id, email: fields.email, is_verified: true });
    expect((await me(token)).body.is_verified).toBe(true);
    const again = await verify(link.token);
    expect(again.status).toBe(400);
    expectErrorBody(again.body, 'INVALID_OR_EXPIRED_TOKEN');
    expect(server.rawLogs()).not.toContain(link.token);
  });

  it('a verified account asking again gets 202 and no mail', async () => {
    const { fields, token } = await account();
    expect((await requestLink(token)).status).toBe(202);
    expect((await verify(linkOf(await inbox.waitFor(fields.email)).token)).status).toBe(200);
    expect((await requestLink(token)).status).toBe(202);
    const other = await account();
    expect((await requestLink(other.token)).status).toBe(202);
    await inbox.waitFor(other.fields.email);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inbox.for(fields.email)).toHaveLength(1);
  });

  it('needs a token to ask (401); an unknown or malformed token is 400 or 422', async () => {
    const anonymous = await http(server.url, 'POST', '/auth/verify/request');
    expect(anonymous.status).toBe(401);
    expectErrorBody(anonymous.body, 'NOT_AUTHENTICATED');
    const unknown = await verify('y'.repeat(43));
    expect(unknown.status).toBe(400);
    expectErrorBody(unknown.body, 'INVALID_OR_EXPIRED_TOKEN');
    expect((await verify('')).status).toBe(422);
  });

  it('through tRPC: auth.requestVerification and auth.verifyEmail', async () => {
    const { fields, token } = await account();
    const client = sdk(server, token);
    expect(await client.auth.requestVerification.mutate()).toEqual({ detail: 'Verification link sent' });
    const link = linkOf(await inbox.waitFor(fields.email));
    expect((await client.auth.verifyEmail.mutate({ token: link.token })).is_verified).toBe(true);
    expect(await sdkFailure(client.auth.verifyEmail.mutate({ token: link.token }))).toEqual({
      code: 'INVALID_OR_EXPIRED_TOKEN',
      status: 400,
    });
  });
});

describe('PUT /users/me with a new email', () => {
  it('needs current_password (422 without, 403 wrong) and leaves the new address unverified', async () => {
    const { fields, token } = await account();
    expect((await requestLink(token)).status).toBe(202);
    const oldLink = linkOf(await inbox.waitFor(fields.email));
    const email = newAccount('moved').email;

    const missing = await http(server.url, 'PUT', '/users/me', { token, json: { email } });
    expect(missing.status).toBe(422);
    expectErrorBody(missing.body, 'VALIDATION_ERROR', 422);
    expect(JSON.stringify(missing.body)).toContain('current_password');
    const wrong = await http(server.url, 'PUT', '/users/me', {
      token,
      json: { email, current_password: 'not it' },
    });
    expect(wrong.status).toBe(403);
    expectErrorBody(wrong.body, 'WRONG_PASSWORD');
    expect((await me(token)).body.email).toBe(fields.email);

    const moved = await http<UserOut>(server.url, 'PUT', '/users/me', {
      token,
      json: { email, current_password: fields.password },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ email, is_verified: false });
    // The link sent to the old address does not verify the new one.
    const stale = await verify(oldLink.token);
    expect(stale.status).toBe(400);
    expectErrorBody(stale.body, 'INVALID_OR_EXPIRED_TOKEN');
    expect((await requestLink(token)).status).toBe(202);
    const mail = await inbox.waitFor(email);
    expect((await verify(linkOf(mail).token)).body).toMatchObject({ email, is_verified: true });
  });

  it('a verified address changed is unverified again; other fields need no password', async () => {
    const { fields, token } = await account();
    expect((await requestLink(token)).status).toBe(202);
    expect((await verify(linkOf(await inbox.waitFor(fields.email)).token)).status).toBe(200);
    const bio = await http<UserOut>(server.url, 'PUT', '/users/me', { token, json: { bio: 'still me' } });
    expect(bio.body).toMatchObject({ bio: 'still me', is_verified: true });
    const same = await http<UserOut>(server.url, 'PUT', '/users/me', {
      token,
      json: { email: fields.email },
    });
    expect(same.status).toBe(200);
    expect(same.body.is_verified).toBe(true);
    const moved = await http<UserOut>(server.url, 'PUT', '/users/me', {
      token,
      json: { email: newAccount('again').email, current_password: fields.password },
    });
    expect(moved.body.is_verified).toBe(false);
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  // Registration there answers 202 and mails a link (see security/registration.test.ts).
  const registerStrict = async (fields: ReturnType<typeof newAccount>) => {
    const res = await http(strict.url, 'POST', '/auth/register', { json: fields });
    expect(res.status).toBe(202);
  };

  it('refuses an unverified login with 403 EMAIL_NOT_VERIFIED and mails a link; once followed, 200', async () => {
    const fields = newAccount('strict');
    await registerStrict(fields);
    await inbox.waitFor(fields.email); // the link registration sends
    // Refused at once: that link is fresh, so no second one is mailed (at most one per ten minutes).
    const early = await login(strict, fields.email, fields.password);
    expect(early.status).toBe(403);
    expectErrorBody(early.body, 'EMAIL_NOT_VERIFIED');
    await ageLinks(strict, fields.email, 11);
    const refused = await login(strict, fields.email, fields.password);
    expect(refused.status).toBe(403);
    expectErrorBody(refused.body, 'EMAIL_NOT_VERIFIED');
    // Logged out there is no other way to a new link: the refusal sends one.
    const link = linkOf(await inbox.waitFor(fields.email));
    expect(link.page).toBe(`${strict.config.publicUrl}/verify-email`);
    expect((await verify(link.token, strict)).body.is_verified).toBe(true);
    const res = await login(strict, fields.email, fields.password);
    expect(res.status).toBe(200);
    expect(res.body.user.is_verified).toBe(true);
  });

  it('a wrong password is 401 as ever, and mails nothing', async () => {
    const fields = newAccount('strict_wrong');
    await registerStrict(fields);
    await inbox.waitFor(fields.email); // the link registration sends
    await ageLinks(strict, fields.email, 11);
    const res = await login(strict, fields.email, 'wrong password');
    expect(res.status).toBe(401);
    expectErrorBody(res.body, 'INVALID_CREDENTIALS');
    expect((await login(strict, fields.email, fields.password)).status).toBe(403);
    await inbox.waitFor(fields.email);
    // Once: the refusals within the next ten minutes mail nothing more.
    expect((await login(strict, fields.email, fields.password)).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inbox.for(fields.email)).toHaveLength(2);
  });
});
