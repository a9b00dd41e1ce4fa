import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectErrorBody, newAccount } from '../test/accounts.js';
import { auditLog, ROOT, ROOT_ENV, tokenFor, type AdminUser } from '../test/admin.js';
import { startTestServer } from '../test/harness.js';
import { linkOf, startInbox, type Inbox } from '../test/smtp.js';
import {
  expectSameTiming,
  startAttackTarget,
  timedAnswer,
  trpcCall,
  trpcError,
  type AdminSession,
} from '../test/security.js';

// Account enumeration through REGISTRATION. By default a taken email is 409 USER_ALREADY_EXISTS (the original
// API's contract for its clients). With REQUIRE_VERIFIED_EMAIL=true nobody can log in before following the link
// mailed to the address, so registration need not say anything: a new and a known email answer alike (202, one
// body, the same time); the new account gets its link, the existing owner a notice. Usernames are public: a
// taken one is 409 USERNAME_TAKEN in both modes.

const ACCEPTED = { detail: 'Check your inbox to confirm your address' };

let inbox: Inbox;
let open: AdminSession; // the default
let quiet: AdminSession; // REQUIRE_VERIFIED_EMAIL=true

beforeAll(async () => {
  inbox = await startInbox();
  [open, quiet] = await Promise.all([startAttackTarget({ SMTP_URL: inbox.url }), startQuiet()]);
});

/**
 * A REQUIRE_VERIFIED_EMAIL server whose first admin is logged in: the operator named the bootstrapped admin's
 * address (ADMIN_EMAIL), so it counts as verified and its first login goes through.
 */
async function startQuiet(): Promise<AdminSession> {
  const server = await startTestServer({ ...ROOT_ENV, SMTP_URL: inbox.url, REQUIRE_VERIFIED_EMAIL: 'true' });
  const req = api(server);
  const rootToken = await tokenFor(server, ROOT.email, ROOT.password);
  const me = await req<AdminUser>('GET', '/auth/me', { token: rootToken });
  expect(me.body).toMatchObject({ role: 'admin', is_verified: true });
  const root = await req<AdminUser>('GET', `/admin/users/${me.body.id}`, { token: rootToken });
  return { server, req, root: root.body, rootToken };
}
afterAll(async () => {
  await Promise.all([open?.server.close(), quiet?.server.close()]);
  await inbox?.close();
});

const registerOn = (on: AdminSession, json: unknown) =>
  timedAnswer(() => on.req('POST', '/auth/register', { json }));

describe('by default: 201 with the account, 409 for a taken email or username', () => {
  it('on REST', async () => {
    const fields = newAccount('open');
    const created = await registerOn(open, fields);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: fields.email,
      username: fields.username,
      is_verified: false,
    });
    const again = await registerOn(open, { ...newAccount('open2'), email: fields.email.toUpperCase() });
    expect(again.status).toBe(409);
    expectErrorBody(again.body, 'USER_ALREADY_EXISTS');
    const name = await registerOn(open, { ...newAccount('open3'), username: fields.username });
    expect(name.status).toBe(409);
    expectErrorBody(name.body, 'USERNAME_TAKEN');
  });

  it('on tRPC', async () => {
    const fields = newAccount('open_trpc');
    const created = await trpcCall<{ result: { data: unknown } }>(
      open.server,
      'mutation',
      'auth.register',
      fields,
    );
    expect(created.status).toBe(200);
    expect(created.body.result.data).toMatchObject({ email: fields.email, username: fields.username });
    const again = await trpcCall(open.server, 'mutation', 'auth.register', {
      ...newAccount('open_trpc2'),
      email: fields.email,
    });
    expect(trpcError(again.body)).toEqual({ code: 'USER_ALREADY_EXISTS', httpStatus: 409 });
  });
});

describe('passwords at registration (length, any characters, compared exactly)', () => {
  const loginStatus = async (username: string, password: string) =>
    (await open.req('POST', '/auth/login', { form: { username, password } })).status;

  it('128 characters of anything (spaces, emoji, other scripts) register and log in', async () => {
    const password = ` Ünïcødé 🔑 пароль ${'x'.repeat(128)}`.slice(0, 128);
    const fields = newAccount('long', { password });
    expect((await registerOn(open, fields)).status).toBe(201);
    expect(await loginStatus(fields.email, password)).toBe(200);
  });

  it('no truncation, trimming or case folding: only the exact password logs in', async () => {
    const password = 'Exact Password 0123456789 '.repeat(3); // 78 characters, a trailing space
    const fields = newAccount('exact', { password });
    expect((await registerOn(open, fields)).status).toBe(201);
    for (const near of [password.trim(), password.toLowerCase(), password.slice(0, 72), `${password}x`]) {
      expect(await loginStatus(fields.email, near), JSON.stringify(near)).toBe(401);
    }
    expect(await loginStatus(fields.email, password)).toBe(200);
  });

  it('7 characters and 129 characters are 422 naming the password', async () => {
    for (const password of ['1234567', 'y'.repeat(129)]) {
      const res = await registerOn(open, newAccount('bounds', { password }));
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', issues: [{ path: ['password'] }] });
    }
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true: registration does not tell known emails from new ones', () => {
  it('a new and a known email (any case) get the same status, body and headers on REST', async () => {
    const owner = newAccount('owner');
    const first = await registerOn(quiet, owner);
    const cases = [
      first,
      await registerOn(quiet, { ...newAccount('dup'), email: owner.email }),
      await registerOn(quiet, { ...newAccount('dup'), email: `  ${owner.email.toUpperCase()}` }),
      await registerOn(quiet, newAccount('fresh')),
    ];
    for (const c of cases) {
      expect(c.status).toBe(202);
      expect(c.body).toEqual(ACCEPTED);
      expect(c.headers).toEqual(cases[0]!.headers);
    }
  });

  it('and the same data on tRPC', async () => {
    const owner = newAccount('owner_trpc');
    const answers = [
      await trpcCall(quiet.server, 'mutation', 'auth.register', owner),
      await trpcCall(quiet.server, 'mutation', 'auth.register', {
        ...newAccount('dup_t'),
        email: owner.email,
      }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ result: { data: ACCEPTED } });
    }
  });

  it('the new account gets its verification link; following it lets the owner log in', async () => {
    const fields = newAccount('newbie');
    expect((await registerOn(quiet, fields)).status).toBe(202);
    const mail = await inbox.waitFor(fields.email);
    expect(mail.subject).toBe('Confirm your email address');
    const refused = await quiet.req('POST', '/auth/login', {
      form: { username: fields.email, password: fields.password },
    });
    expect(refused.status).toBe(403);
    expectErrorBody(refused.body, 'EMAIL_NOT_VERIFIED');
    const verified = await quiet.req('POST', '/auth/verify', { json: { token: linkOf(mail).token } });
    expect(verified.status).toBe(200);
    const login = await quiet.req('POST', '/auth/login', {
      form: { username: fields.email, password: fields.password },
    });
    expect(login.status).toBe(200);
  });

  it('a known email creates nothing and changes nothing; its owner is told, and the attempt audited', async () => {
    const owner = newAccount('told');
    expect((await registerOn(quiet, owner)).status).toBe(202);
    await inbox.waitFor(owner.email); // the owner's own verification link
    const intruder = { ...newAccount('intruder'), email: owner.email, password: 'the intruder password' };
    expect((await registerOn(quiet, intruder)).status).toBe(202);
    const notice = await inbox.waitFor(owner.email);
    expect(notice.subject).toBe('Someone tried to register with your address');
    expect(notice.links).toEqual([]);
    // No second account: the intruder's username is free, their password opens nothing.
    const users = await quiet.req<{ items: { username: string; email: string }[] }>(
      'GET',
      `/admin/users?q=${encodeURIComponent(owner.email)}`,
      { token: quiet.rootToken },
    );
    expect(users.body.items.map((u) => u.username)).toEqual([owner.username]);
    const login = await quiet.req('POST', '/auth/login', {
      form: { username: owner.email, password: intruder.password },
    });
    expect(login.status).toBe(401);
    const [event] = await auditLog(quiet, { action: 'auth.registration_duplicate' });
    expect(event).toMatchObject({ action: 'auth.registration_duplicate', actor_id: null });
  });

  it('a taken username is 409 USERNAME_TAKEN whether the email is new or known (usernames are public)', async () => {
    const owner = newAccount('named');
    expect((await registerOn(quiet, owner)).status).toBe(202);
    const withNew = await registerOn(quiet, { ...newAccount('x'), username: owner.username.toUpperCase() });
    const withKnown = await registerOn(quiet, { ...owner, password: 'another password' });
    for (const res of [withNew, withKnown]) {
      expect(res.status).toBe(409);
      expect(res.body).toEqual(withNew.body);
      expectErrorBody(res.body, 'USERNAME_TAKEN');
    }
    const t = await trpcCall(quiet.server, 'mutation', 'auth.register', {
      ...owner,
      password: 'x'.repeat(9),
    });
    expect(trpcError(t.body)).toEqual({ code: 'USERNAME_TAKEN', httpStatus: 409 });
  });

  it('median times of registrations with 15 known and 15 new emails are within 20%', async () => {
    const owner = newAccount('timed');
    expect((await registerOn(quiet, owner)).status).toBe(202);
    await registerOn(quiet, newAccount('warm'));
    // Both cost one argon2 hash and one audited write; without the known path's hash it would answer in a few
    // ms against ~20-50 ms.
    await expectSameTiming(
      async (i) => (await registerOn(quiet, { ...newAccount(`k${i}`), email: owner.email })).ms,
      async (i) => (await registerOn(quiet, newAccount(`n${i}`))).ms,
    );
  });
});
