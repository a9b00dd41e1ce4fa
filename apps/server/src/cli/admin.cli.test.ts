import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { api, login, markVerified, registerAndLogin } from '../test/accounts.js';
import { qs, tokenFor, type AdminUser, type AuditEventOut, type Page } from '../test/admin.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../test/harness.js';

// `roster create-admin` and `roster set-role`, run in-process against the database a live server uses, whose
// answers show that the change holds on the very next request.
let server: TestServer;
let req: ReturnType<typeof api>;
let bossToken: string;
const BOSS = { email: 'boss@example.com', username: 'boss', password: 'boss password 1' };

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs the CLI with `stdin` piped in (the password line), never on the command line. */
async function run(argv: string[], stdin = '') {
  const out = capture();
  const err = capture();
  type P = Parameters<typeof runCli>;
  const code = await runCli(
    argv,
    out.stream as unknown as P[1],
    err.stream as unknown as P[2],
    Readable.from(stdin ? [stdin] : []) as unknown as P[3],
  );
  return { code, out: out.text(), err: err.text() };
}

const VARS = [
  'DATABASE_URL',
  'SECRET_KEY',
  'DATA_DIR',
  'NODE_ENV',
  'LOG_LEVEL',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
];
let saved: Record<string, string | undefined>;
let savedCwd: string;
let workDir: string;

beforeAll(async () => {
  server = await startTestServer();
  req = api(server);
});
afterAll(() => server.close());

beforeEach(() => {
  saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));
  savedCwd = process.cwd();
  workDir = mkdtempSync(join(tmpdir(), 'roster-admin-cli-'));
  process.chdir(workDir); // no developer .env
  for (const name of VARS) delete process.env[name];
  Object.assign(process.env, {
    DATABASE_URL: server.database.url,
    SECRET_KEY: TEST_SECRET,
    DATA_DIR: workDir,
  });
});
afterEach(() => {
  process.chdir(savedCwd);
  for (const name of VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(workDir, { recursive: true, force: true });
});

const record = async (email: string) =>
  (
    await req<Page<AdminUser>>('GET', `/admin/users${qs({ q: email })}`, { token: bossToken })
  ).body.items.find((u) => u.email === email);

describe('roster create-admin', () => {
  it('creates an admin with the password from stdin; the admin API opens to them', async () => {
    const res = await run(
      ['create-admin', '--email', ' Boss@Example.com', '--username', BOSS.username],
      `${BOSS.password}\n`,
    );
    expect(res).toEqual({ code: 0, out: 'boss@example.com: admin created\n', err: '' });
    bossToken = await tokenFor(server, BOSS.email, BOSS.password);
    expect((await req('GET', '/admin/stats', { token: bossToken })).status).toBe(200);
    expect(await record(BOSS.email)).toMatchObject({ username: 'boss', role: 'admin', is_active: true });
    // Created by the system, not by the person: no actor.
    const audit = await req<Page<AuditEventOut>>('GET', '/admin/audit?action=admin.user_created', {
      token: bossToken,
    });
    expect(audit.body.items[0]).toMatchObject({
      actor_id: null,
      user_agent: 'roster-cli',
      details: { role: 'admin', is_active: true },
    });
  });

  it('takes the first line of stdin only', async () => {
    const res = await run(
      ['create-admin', '--email', 'crlf@example.com', '--username', 'crlf'],
      'first line pw\r\nsecond\n',
    );
    expect(res.code).toBe(0);
    expect((await login(server, 'crlf@example.com', 'first line pw')).status).toBe(200);
    const named = await run(
      ['create-admin', '--email', 'named@example.com', '--username', 'named', '--full-name', 'Named One'],
      'named password',
    );
    expect(named.code).toBe(0);
    expect(await record('named@example.com')).toMatchObject({ full_name: 'Named One', role: 'admin' });
  });

  it('refuses to promote an account whose address is not verified, changing nothing', async () => {
    const u = await registerAndLogin(server, 'squatter');
    const res = await run(
      ['create-admin', '--email', u.account.email, '--username', 'ignored'],
      'operator pw 123',
    );
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    expect(res.err).toContain('not verified');
    expect(res.err).toContain('--promote');
    expect(res.err).toContain('(ADMIN_ACCOUNT_UNVERIFIED)');
    expect((await req('GET', '/admin/users', { token: u.token })).status).toBe(403);
    expect((await req('GET', '/auth/me', { token: u.token })).status).toBe(200);
    expect((await login(server, u.account.email, 'operator pw 123')).status).toBe(401);
  });

  it('--promote takes an unverified account over: its sessions end and the password given is its own', async () => {
    const u = await registerAndLogin(server, 'taken');
    const res = await run(
      ['create-admin', '--email', u.account.email, '--username', 'ignored', '--promote'],
      'operator pw 456',
    );
    expect(res).toEqual({ code: 0, out: `${u.account.email}: promoted to admin\n`, err: '' });
    // Whoever registered it is out: their token is refused and their password no longer works.
    expect((await req('GET', '/auth/me', { token: u.token })).status).toBe(401);
    expect((await login(server, u.account.email, u.account.password)).status).toBe(401);
    const operator = await login(server, u.account.email, 'operator pw 456');
    expect(operator.status).toBe(200);
    const token = (operator.body as { access_token: string }).access_token;
    expect((await req('GET', '/admin/users', { token })).status).toBe(200);
    const trail = await req<Page<AuditEventOut>>(
      'GET',
      `/admin/audit${qs({ action: 'admin.promoted_explicitly', target_id: u.user.id })}`,
      { token },
    );
    expect(trail.body.items).toHaveLength(1);
    expect(trail.body.items[0]).toMatchObject({
      actor_id: null,
      details: { verified: false, credentials_replaced: true },
    });
  });

  it('promotes an existing verified account, keeping its password; its token opens admin routes at once', async () => {
    const u = await registerAndLogin(server, 'promoted');
    await markVerified(server, u.account.email);
    expect((await req('GET', '/admin/users', { token: u.token })).status).toBe(403);
    const res = await run(
      ['create-admin', '--email', u.account.email, '--username', 'ignored'],
      'some other password',
    );
    expect(res).toEqual({ code: 0, out: `${u.account.email}: promoted to admin\n`, err: '' });
    expect((await req('GET', '/admin/users', { token: u.token })).status).toBe(200);
    expect((await login(server, u.account.email, u.account.password)).status).toBe(200);
    const again = await run(
      ['create-admin', '--email', u.account.email, '--username', 'xyz'],
      'some other password',
    );
    expect(again).toEqual({ code: 0, out: `${u.account.email}: already an admin\n`, err: '' });
  });

  it('never takes the password as an argument', async () => {
    const outcome = await run(
      ['create-admin', '--email', 'argv@example.com', '--username', 'argvpw', '--password', 'argv password'],
      'stdin password',
    ).catch((error: unknown) => error);
    expect(outcome).not.toMatchObject({ code: 0 });
    expect(await record('argv@example.com')).toBeUndefined();
  });

  it.each([
    [['create-admin', '--email', 'a@example.com'], 'pw long enough', /needs --email and --username/],
    [['create-admin', '--username', 'abc'], 'pw long enough', /needs --email and --username/],
    [['create-admin', '--email', 'short@example.com', '--username', 'short'], 'short\n', /^password: /m],
    [['create-admin', '--email', 'empty@example.com', '--username', 'empty'], '', /^password: /m],
    [['create-admin', '--email', 'not-an-email', '--username', 'bademail'], 'pw long enough', /^email: /m],
    [
      ['create-admin', '--email', 'badname@example.com', '--username', 'a b'],
      'pw long enough',
      /^username: /m,
    ],
  ])('refuses %j with exit 2 and creates nothing', async (argv, stdin, message) => {
    const res = await run(argv, stdin);
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err).toMatch(message);
    expect(res.err).not.toContain(stdin.trim() || '\u0000');
    expect(
      (await req<Page<AdminUser>>('GET', '/admin/users?limit=100', { token: bossToken })).body.items.map(
        (u) => u.email,
      ),
    ).not.toContain(argv[2]);
  });

  it('answers a taken username with exit 1 and its code', async () => {
    const res = await run(
      ['create-admin', '--email', 'other-boss@example.com', '--username', 'BOSS'],
      'pw long enough',
    );
    expect(res).toEqual({ code: 1, out: '', err: 'Username already taken (USERNAME_TAKEN)\n' });
  });
});

describe('roster set-role', () => {
  it('promotes and demotes; the change binds the next request', async () => {
    const u = await registerAndLogin(server, 'roled');
    const up = await run(['set-role', ` ${u.account.email.toUpperCase()} `, 'admin']);
    expect(up).toEqual({ code: 0, out: `${u.account.email} is now admin\n`, err: '' });
    expect((await req('GET', '/admin/stats', { token: u.token })).status).toBe(200);
    const audit = await req<Page<AuditEventOut>>(
      'GET',
      `/admin/audit?action=user.role_changed&target_id=${u.user.id}`,
      {
        token: bossToken,
      },
    );
    expect(audit.body.items.map((e) => [e.details, e.user_agent])).toEqual([
      [{ role: ['user', 'admin'] }, 'roster-cli'],
    ]);
    const down = await run(['set-role', u.account.email, 'user']);
    expect(down).toEqual({ code: 0, out: `${u.account.email} is now user\n`, err: '' });
    const refused = await req('GET', '/admin/stats', { token: u.token });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses to demote the last active admin with exit 1 LAST_ADMIN', async () => {
    const admins = await req<Page<AdminUser>>('GET', '/admin/users?role=admin&is_active=true&limit=100', {
      token: bossToken,
    });
    for (const other of admins.body.items.filter((u) => u.email !== BOSS.email)) {
      expect((await run(['set-role', other.email, 'user'])).code).toBe(0);
    }
    const res = await run(['set-role', BOSS.email, 'user']);
    expect(res).toEqual({ code: 1, out: '', err: 'At least one active admin must remain (LAST_ADMIN)\n' });
    expect((await req('GET', '/admin/stats', { token: bossToken })).status).toBe(200);
    expect((await run(['set-role', BOSS.email, 'admin'])).out).toBe(`${BOSS.email} is now admin\n`);
  });

  it('answers an unknown email with exit 1 USER_NOT_FOUND and bad usage with exit 2', async () => {
    expect(await run(['set-role', 'nobody@example.com', 'admin'])).toEqual({
      code: 1,
      out: '',
      err: 'User not found (USER_NOT_FOUND)\n',
    });
    for (const argv of [['set-role'], ['set-role', BOSS.email], ['set-role', BOSS.email, 'owner']]) {
      expect(await run(argv)).toEqual({
        code: 2,
        out: '',
        err: 'usage: roster set-role <email> <user|admin>\n',
      });
    }
  });
});
