import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, newAccount, register, type NewAccount } from '../test/accounts.js';
import { ROOT, ROOT_ENV, sdk, sdkFailure, tokenFor } from '../test/admin.js';
import { http, startTestServer, type TestServer } from '../test/harness.js';
import { rawRequest } from '../test/raw-http.js';
import { linkOf, startInbox, startMailingServer, type Inbox, type ReceivedMail } from '../test/smtp.js';

// Passwords over HTTP with real mail: change (other sessions end), forgot (202 whatever the address) and reset
// by following the link of the message a real SMTP server received, as its recipient would.

interface Tokens {
  access_token: string;
  refresh_token: string;
}

const NEW_PASSWORD = 'a much better passphrase';
const ACCEPTED = { detail: 'If the address belongs to an account, a reset link is on its way' };

let inbox: Inbox;
let server: TestServer;
const reqOn =
  (on: TestServer) =>
  (method: string, path: string, opts: Parameters<typeof http>[3] = {}) =>
    http(on.url, method, path, opts);
let req: ReturnType<typeof reqOn>;
let rootToken: string;

beforeAll(async () => {
  inbox = await startInbox();
  server = await startMailingServer(inbox, ROOT_ENV);
  req = reqOn(server);
  rootToken = await tokenFor(server, ROOT.email, ROOT.password);
});
afterAll(async () => {
  await server?.close();
  await inbox?.close();
});

async function logIn(on: TestServer, username: string, password: string): Promise<Tokens> {
  const res = await http<Tokens>(on.url, 'POST', '/auth/login', { form: { username, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function account(on: TestServer = server, prefix = 'pw') {
  const fields = newAccount(prefix);
  const user = await register(on, fields);
  return { fields, user, tokens: await logIn(on, fields.email, fields.password) };
}

const loginStatus = async (fields: NewAccount, password: string) =>
  (await http(server.url, 'POST', '/auth/login', { form: { username: fields.email, password } })).status;
const forgot = (email: string, on: TestServer = server) =>
  http(on.url, 'POST', '/auth/password/forgot', { json: { email } });
const reset = (token: string, newPassword = NEW_PASSWORD, on: TestServer = server) =>
  http(on.url, 'POST', '/auth/password/reset', { json: { token, new_password: newPassword } });

/** Asks for a reset link for `email` and answers the message that brings it. */
async function resetMail(email: string): Promise<ReceivedMail> {
  const res = await forgot(email);
  expect(res.status).toBe(202);
  return inbox.waitFor(email);
}

describe('POST /auth/password/change', () => {
  it('answers 204; the current session survives, the others end, the new password logs in', async () => {
    const { fields, tokens } = await account();
    const other = await logIn(server, fields.email, fields.password);
    const res = await req('POST', '/auth/password/change', {
      token: tokens.access_token,
      json: { current_password: fields.password, new_password: NEW_PASSWORD },
    });
    expect(res.status).toBe(204);
    expect((await req('GET', '/auth/me', { token: tokens.access_token })).status).toBe(200);
    expect(
      (await req('POST', '/auth/refresh', { json: { refresh_token: tokens.refresh_token } })).status,
    ).toBe(200);
    expect((await req('GET', '/auth/me', { token: other.access_token })).status).toBe(401);
    expect(
      (await req('POST', '/auth/refresh', { json: { refresh_token: other.refresh_token } })).status,
    ).toBe(401);
    expect(await loginStatus(fields, fields.password)).toBe(401);
    expect(await loginStatus(fields, NEW_PASSWORD)).toBe(200);
  });

  it('refuses a wrong current password with 403 WRONG_PASSWORD and changes nothing', async () => {
    const { fields, tokens } = await account();
    const other = await logIn(server, fields.email, fields.password);
    const res = await req('POST', '/auth/password/change', {
      token: tokens.access_token,
      json: { current_password: 'not the password', new_password: NEW_PASSWORD },
    });
    expect(res.status).toBe(403);
    expectErrorBody(res.body, 'WRONG_PASSWORD');
    expect((await req('GET', '/auth/me', { token: other.access_token })).status).toBe(200);
    expect(await loginStatus(fields, fields.password)).toBe(200);
  });

  it('needs a token (401) and a valid new password (422)', async () => {
    const { fields, tokens } = await account();
    const anonymous = await req('POST', '/auth/password/change', {
      json: { current_password: fields.password, new_password: NEW_PASSWORD },
    });
    expect(anonymous.status).toBe(401);
    const short = await req('POST', '/auth/password/change', {
      token: tokens.access_token,
      json: { current_password: fields.password, new_password: 'short' },
    });
    expect(short.status).toBe(422);
    expectErrorBody(short.body, 'VALIDATION_ERROR', 422);
  });

  it('works the same through tRPC (auth.changePassword)', async () => {
    const { fields, tokens } = await account();
    const client = sdk(server, tokens.access_token);
    expect(
      await sdkFailure(
        client.auth.changePassword.mutate({ current_password: 'nope', new_password: NEW_PASSWORD }),
      ),
    ).toEqual({ code: 'WRONG_PASSWORD', status: 403 });
    await client.auth.changePassword.mutate({
      current_password: fields.password,
      new_password: NEW_PASSWORD,
    });
    expect(await loginStatus(fields, NEW_PASSWORD)).toBe(200);
  });
});

describe('POST /auth/password/forgot', () => {
  it('answers 202 with the same body for known and unknown addresses, and mails only the known one', async () => {
    const { fields } = await account();
    const unknown = `nobody_${Date.now()}@example.com`;
    const [a, b] = [await forgot(unknown), await forgot(fields.email.toUpperCase())];
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body).toEqual(ACCEPTED);
    expect(b.body).toEqual(a.body);
    expect(a.headers.get('content-type')).toBe(b.headers.get('content-type'));
    const mail = await inbox.waitFor(fields.email);
    expect(mail.to).toEqual([fields.email]);
    expect(mail.from).toBe('roster@example.com');
    expect(mail.subject).toBe('Reset your password');
    // The unknown address's task has long finished; it sent nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inbox.for(unknown)).toEqual([]);
  });

  it('mails no link to a deactivated account, and a link sent before deactivation stops working', async () => {
    const { fields, user } = await account();
    const early = linkOf(await resetMail(fields.email));
    const patched = await req('PATCH', `/admin/users/${user.id}`, {
      token: rootToken,
      json: { is_active: false },
    });
    expect(patched.status).toBe(200);
    expect((await forgot(fields.email)).status).toBe(202);
    const stale = await reset(early.token);
    expect(stale.status).toBe(400);
    expectErrorBody(stale.body, 'INVALID_OR_EXPIRED_TOKEN');
    // A later request for an active account is mailed; by then the deactivated one's would have been too.
    const active = await account();
    await resetMail(active.fields.email);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inbox.for(fields.email)).toHaveLength(1);
  });

  it('answers 422 for a body that is not one address', async () => {
    const bad = await forgot('not-an-email');
    expect(bad.status).toBe(422);
    expectErrorBody(bad.body, 'VALIDATION_ERROR', 422);
    expect(
      (await req('POST', '/auth/password/forgot', { json: { email: 'a@example.com', x: 1 } })).status,
    ).toBe(422);
  });

  it('through tRPC too: the same accepted body', async () => {
    const { fields } = await account();
    const answer = await sdk(server).auth.forgotPassword.mutate({ email: fields.email });
    expect(answer).toEqual(ACCEPTED);
    expect((await inbox.waitFor(fields.email)).subject).toBe('Reset your password');
  });
});

describe('following the reset link', () => {
  it('page → token from the fragment → 204; old password refused, new one works, every session ended', async () => {
    const { fields, tokens } = await account();
    const other = await logIn(server, fields.email, fields.password);
    const mail = await resetMail(fields.email);
    const link = linkOf(mail);
    expect(mail.text).toContain('60 minutes');
    expect(link.page).toBe(`${server.config.publicUrl}/reset-password`);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.url.search).toBe('');

    // The page the link opens (the fragment never goes to the server).
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/connect-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<script src="/account/pages.js"></script>');
    expect(html).toContain('name="new_password"');

    // What the page's script does with the token.
    const res = await reset(link.token);
    expect(res.status).toBe(204);
    expect(await loginStatus(fields, fields.password)).toBe(401);
    for (const t of [tokens, other]) {
      expect((await req('GET', '/auth/me', { token: t.access_token })).status).toBe(401);
      expect((await req('POST', '/auth/refresh', { json: { refresh_token: t.refresh_token } })).status).toBe(
        401,
      );
    }
    expect(await loginStatus(fields, NEW_PASSWORD)).toBe(200);

    const again = await reset(link.token, 'yet another passphrase');
    expect(again.status).toBe(400);
    expectErrorBody(again.body, 'INVALID_OR_EXPIRED_TOKEN');
    expect(await loginStatus(fields, NEW_PASSWORD)).toBe(200);
    expect(server.rawLogs()).not.toContain(link.token);
  });

  it('a reset spends every link of the account; a refused new password spends none', async () => {
    const { fields } = await account();
    const first = linkOf(await resetMail(fields.email));
    const second = linkOf(await resetMail(fields.email));
    expect(second.token).not.toBe(first.token);
    const weak = await reset(second.token, 'short');
    expect(weak.status).toBe(422);
    expect((await reset(second.token)).status).toBe(204);
    const stale = await reset(first.token);
    expect(stale.status).toBe(400);
    expectErrorBody(stale.body, 'INVALID_OR_EXPIRED_TOKEN');
    const unknown = await reset('x'.repeat(43));
    expect(unknown.status).toBe(400);
    expectErrorBody(unknown.body, 'INVALID_OR_EXPIRED_TOKEN');
    expect(
      await sdkFailure(
        sdk(server).auth.resetPassword.mutate({ token: first.token, new_password: NEW_PASSWORD }),
      ),
    ).toEqual({ code: 'INVALID_OR_EXPIRED_TOKEN', status: 400 });
  });

  it('links come from PUBLIC_URL, never from a forged Host or X-Forwarded-Host header', async () => {
    const { fields } = await account();
    const res = await rawRequest(server.url, 'POST', '/auth/password/forgot', {
      headers: {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        'content-type': 'application/json',
      },
      chunks: [JSON.stringify({ email: fields.email })],
    });
    expect(res.status).toBe(202);
    const mail = await inbox.waitFor(fields.email);
    expect(mail.text).not.toContain('evil.example');
    expect(linkOf(mail).url.origin).toBe(server.config.publicUrl);
  });

  it('a PUBLIC_URL other than where the server listens (a path under a proxy) is used as given', async () => {
    const proxied = await startTestServer({
      SMTP_URL: inbox.url,
      PUBLIC_URL: 'https://accounts.example.org/roster/',
    });
    try {
      const fields = newAccount('proxied');
      await register(proxied, fields);
      expect((await forgot(fields.email, proxied)).status).toBe(202);
      const link = linkOf(await inbox.waitFor(fields.email));
      expect(link.page).toBe('https://accounts.example.org/roster/reset-password');
      expect((await reset(link.token, NEW_PASSWORD, proxied)).status).toBe(204);
    } finally {
      await proxied.close();
    }
  });
});
