import { createRosterClient, type RosterError } from '@roster/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  login,
  newAccount,
  register,
  registerAndLogin,
  USER_KEYS,
  type Session,
} from '../test/accounts.js';
import { startTestServer, TEST_SECRET, type TestServer } from '../test/harness.js';
import { claims, jwtPart, signHs256 } from '../test/jwt.js';

// Registration, login and bearer tokens over REST, with the same failures checked through the SDK (tRPC).
let server: TestServer;
let req: ReturnType<typeof api>;
let ada: Session;

beforeAll(async () => {
  server = await startTestServer();
  req = api(server);
  ada = await registerAndLogin(server, 'ada', { full_name: 'Ada Lovelace' });
});
afterAll(() => server.close());

const sdk = (token?: string) => createRosterClient({ url: server.url, token: token ?? null });

/** The failure an SDK call rejects with (a RosterError: code, status, detail, issues). */
async function rejection(promise: Promise<unknown>): Promise<RosterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({
    code: expect.any(String),
    status: expect.any(Number),
    detail: expect.any(String),
  });
  return error as RosterError;
}

describe('register', () => {
  it('answers 201 with exactly the public account fields', async () => {
    const account = newAccount('keys', { full_name: 'Key Holder', bio: 'b' });
    const res = await req('POST', '/auth/register', { json: account });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
    expect(res.body).toMatchObject({
      email: account.email,
      username: account.username,
      full_name: 'Key Holder',
      bio: 'b',
      role: 'user',
      is_superuser: false,
      is_active: true,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash|argon2/i);
  });

  it('stores the email trimmed and lower-cased, and logs in by any spelling of it', async () => {
    const user = await register(
      server,
      newAccount('norm', { email: ' Ada.Norm@Example.COM ', username: 'ada_norm' }),
    );
    expect(user.email).toBe('ada.norm@example.com');
    const dup = await req('POST', '/auth/register', {
      json: newAccount('norm2', { email: 'ADA.NORM@example.com' }),
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'USER_ALREADY_EXISTS' });
    const res = await login(server, 'Ada.Norm@EXAMPLE.com', 'correct horse battery');
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
  });

  it('refuses a username that differs only in case with 409 USERNAME_TAKEN', async () => {
    const res = await req('POST', '/auth/register', {
      json: newAccount('other', { username: ada.account.username.toUpperCase() }),
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ detail: 'Username already taken', code: 'USERNAME_TAKEN' });
  });

  it('lets exactly one of 50 concurrent registrations of one email through; the rest get 409, never 500', async () => {
    const email = `race_${Date.now()}@example.com`;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        req('POST', '/auth/register', { json: newAccount(`race${i}`, { email }) }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body).toEqual({ detail: 'Email already registered', code: 'USER_ALREADY_EXISTS' });
    expect(server.logs.filter((l) => l.msg === 'unexpected error')).toEqual([]);
  });
});

describe('login', () => {
  it.each([
    ['form, by email', () => ({ form: { username: ada.account.email, password: ada.account.password } })],
    [
      'form, by username',
      () => ({ form: { username: ada.account.username, password: ada.account.password } }),
    ],
    [
      'JSON, by email as username',
      () => ({ json: { username: ada.account.email, password: ada.account.password } }),
    ],
    [
      'JSON, by username',
      () => ({ json: { username: ada.account.username, password: ada.account.password } }),
    ],
    [
      'JSON {email, password}',
      () => ({ json: { email: ada.account.email, password: ada.account.password } }),
    ],
    [
      'form with grant_type=password',
      () => ({
        form: { grant_type: 'password', username: ada.account.email, password: ada.account.password },
      }),
    ],
  ])('accepts %s', async (_name, body) => {
    const res = await req<{
      access_token: string;
      token_type: string;
      expires_in: number;
      user: { id: number };
    }>('POST', '/auth/login', body());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.expires_in).toBe(1800);
    expect(res.body.user.id).toBe(ada.user.id);
    const me = await req('GET', '/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(ada.user.id);
  });

  it('issues an HS256 at+jwt whose subject is the account and whose lifetime is expires_in', async () => {
    const header = jwtPart(ada.token, 0);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const payload = jwtPart(ada.token, 1);
    expect(payload).toMatchObject({
      sub: String(ada.user.id),
      iss: server.config.jwtIssuer,
      aud: server.config.jwtAudience,
    });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(1800);
    expect(typeof payload.jti).toBe('string');
  });

  it('answers a wrong password and an unknown user identically: 401 INVALID_CREDENTIALS with WWW-Authenticate', async () => {
    const wrong = await login(server, ada.account.email, 'not the password');
    const unknown = await login(server, 'nobody@example.com', 'not the password');
    const unknownName = await login(server, 'nobody_at_all', 'not the password');
    for (const res of [wrong, unknown, unknownName]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Incorrect email or password', code: 'INVALID_CREDENTIALS' });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    for (const input of [
      { username: ada.account.email, password: 'not the password' },
      { username: 'nobody@example.com', password: 'not the password' },
    ]) {
      const error = await rejection(sdk().login(input));
      expect([error.code, error.status, error.detail]).toEqual([
        'INVALID_CREDENTIALS',
        401,
        'Incorrect email or password',
      ]);
    }
  });

  it('refuses a deactivated account with 403 ACCOUNT_DEACTIVATED, but only with the right password', async () => {
    const gone = await registerAndLogin(server, 'gone');
    expect((await req('DELETE', '/users/me', { token: gone.token })).status).toBe(204);
    const res = await login(server, gone.account.username, gone.account.password);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ detail: 'Account is deactivated', code: 'ACCOUNT_DEACTIVATED' });
    const wrong = await login(server, gone.account.username, 'not the password');
    expect(wrong.status).toBe(401);
    const error = await rejection(
      sdk().login({ username: gone.account.email, password: gone.account.password }),
    );
    expect([error.code, error.status]).toEqual(['ACCOUNT_DEACTIVATED', 403]);
  });

  it('refuses a login without username or email with 422', async () => {
    const res = await req<{ issues: { path: unknown[] }[] }>('POST', '/auth/login', {
      json: { password: 'x' },
    });
    expect(res.status).toBe(422);
    expect(res.body.issues.map((i) => i.path)).toContainEqual(['username']);
  });
});

describe('bearer tokens', () => {
  const valid = () => ({
    ...claims({ sub: ada.user.id, iss: server.config.jwtIssuer, aud: server.config.jwtAudience }),
    sid: jwtPart(ada.token, 1).sid,
  });
  const header = { alg: 'HS256', typ: 'at+jwt' };

  it('accepts a token made like the server makes them (so the refusals below are about the one change)', async () => {
    const res = await req('GET', '/auth/me', { token: signHs256(header, valid(), TEST_SECRET) });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(ada.user.id);
  });

  const forged: [string, () => string][] = [
    [
      'alg none',
      () =>
        `${signHs256({ alg: 'none', typ: 'at+jwt' }, valid(), TEST_SECRET).split('.').slice(0, 2).join('.')}.`,
    ],
    ['alg none with the HMAC kept', () => signHs256({ alg: 'none', typ: 'at+jwt' }, valid(), TEST_SECRET)],
    ['another key', () => signHs256(header, valid(), 'another-secret-key-that-is-long-enough-9876543210')],
    [
      'an edited payload',
      () => {
        const [h, , s] = ada.token.split('.');
        const payload = { ...jwtPart(ada.token, 1), sub: String(ada.user.id + 1) };
        return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
      },
    ],
    [
      'an expired one',
      () => signHs256(header, { ...valid(), iat: 1_600_000_000, exp: 1_600_000_600 }, TEST_SECRET),
    ],
    ['a wrong issuer', () => signHs256(header, { ...valid(), iss: 'someone-else' }, TEST_SECRET)],
    ['a wrong audience', () => signHs256(header, { ...valid(), aud: 'another-app' }, TEST_SECRET)],
    ['a wrong typ', () => signHs256({ alg: 'HS256', typ: 'JWT' }, valid(), TEST_SECRET)],
    ['HS512', () => signHs256({ alg: 'HS512', typ: 'at+jwt' }, valid(), TEST_SECRET)],
    ['no sub', () => signHs256(header, { ...valid(), sub: undefined }, TEST_SECRET)],
    ['an absent account', () => signHs256(header, { ...valid(), sub: '987654' }, TEST_SECRET)],
    ['garbage', () => 'not.a.jwt'],
  ];

  it.each(forged)(
    'refuses %s with 401 INVALID_TOKEN and WWW-Authenticate: Bearer, on both surfaces',
    async (_name, make) => {
      const token = make();
      const res = await req('GET', '/auth/me', { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual({ detail: 'Could not validate credentials', code: 'INVALID_TOKEN' });
      const error = await rejection(sdk(token).auth.me.query());
      expect([error.code, error.status]).toEqual(['INVALID_TOKEN', 401]);
    },
  );

  it('refuses a missing or non-Bearer Authorization with 401 NOT_AUTHENTICATED', async () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      { authorization: 'Bearer' },
    ];
    for (const headers of cases) {
      const res = await req('GET', '/auth/me', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual({ detail: 'Not authenticated', code: 'NOT_AUTHENTICATED' });
    }
  });
});

describe('token lifetime setting', () => {
  it('follows ACCESS_TOKEN_EXPIRE_MINUTES', async () => {
    const short = await startTestServer({ ACCESS_TOKEN_EXPIRE_MINUTES: '5' });
    try {
      const account = newAccount('short');
      await register(short, account);
      const res = await login(short, account.email, account.password);
      expect(res.body.expires_in).toBe(300);
      const payload = jwtPart(res.body.access_token, 1);
      expect(Number(payload.exp) - Number(payload.iat)).toBe(300);
      // A token of one server is refused by another with a different secret.
      const other = await startTestServer({ SECRET_KEY: 'a-completely-different-secret-0123456789abcdef' });
      try {
        expect((await api(other)('GET', '/auth/me', { token: res.body.access_token })).status).toBe(401);
      } finally {
        await other.close();
      }
    } finally {
      await short.close();
    }
  });
});
