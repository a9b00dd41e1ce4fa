import { createRosterClient, registeredUser, type RosterClient, type RosterError } from '@roster/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  newAccount,
  PUBLIC_USER_KEYS,
  registerAndLogin,
  USER_KEYS,
  type Session,
} from '../test/accounts.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// The tRPC surface at /trpc: the typed SDK end to end, its errors, and batching limits over raw HTTP.
let server: TestServer;
let req: ReturnType<typeof api>;
let rest: Session;

beforeAll(async () => {
  server = await startTestServer();
  req = api(server);
  rest = await registerAndLogin(server, 'restuser', { full_name: 'Rest User', bio: 'made over REST' });
});
afterAll(() => server.close());

const client = (token?: string): RosterClient =>
  createRosterClient({ url: server.url, token: token ?? null });

/** What an SDK call rejected with: Roster's code, the HTTP status, the detail and validation issues. */
async function failure(
  promise: Promise<unknown>,
): Promise<Pick<RosterError, 'code' | 'status' | 'detail' | 'issues'>> {
  const error = (await promise.then(
    () => expect.unreachable('the call succeeded'),
    (e: unknown) => e,
  )) as RosterError;
  expect(error).toMatchObject({
    code: expect.any(String),
    status: expect.any(Number),
    detail: expect.any(String),
    issues: expect.any(Array),
  });
  return { code: error.code, status: error.status, detail: error.detail, issues: error.issues };
}

const callPath = (count: number, name = 'auth.me') =>
  `/trpc/${Array.from({ length: count }, () => name).join(',')}`;
const batchInput = (count: number, input: unknown = undefined) =>
  encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [i, input]))));

describe('the SDK, end to end', () => {
  it('register → login → me → update → list → byId → deactivate', async () => {
    const sdk = client();
    const account = newAccount('sdk', { full_name: 'Sdk User' });
    const created = registeredUser(
      await sdk.register({ ...account, email: `  ${account.email.toUpperCase()}` }),
    );
    expect(Object.keys(created).sort()).toEqual(USER_KEYS);
    expect(created).toMatchObject({
      email: account.email,
      username: account.username,
      full_name: 'Sdk User',
      role: 'user',
    });

    const session = await sdk.login({ username: account.username, password: account.password });
    expect(session).toMatchObject({ token_type: 'bearer', expires_in: 1800, user: { id: created.id } });
    expect(await sdk.getToken()).toBe(session.access_token);

    expect(await sdk.auth.me.query()).toEqual(session.user);

    const updated = await sdk.users.updateMe.mutate({ bio: 'via tRPC', full_name: null });
    expect(updated).toMatchObject({ id: created.id, bio: 'via tRPC', full_name: null });
    const patched = await sdk.users.patchMe.mutate({ username: `${account.username}_x` });
    expect(patched).toMatchObject({ bio: 'via tRPC', username: `${account.username}_x` });
    // The same account over REST sees the change.
    expect((await req('GET', '/auth/me', { token: session.access_token })).body).toMatchObject({
      bio: 'via tRPC',
    });

    const list = await sdk.users.list.query({ limit: 100 });
    expect(list.map((u) => u.id)).toEqual(expect.arrayContaining([created.id, rest.user.id]));
    expect(list[0]?.id).toBe(created.id); // newest first
    expect((await sdk.users.list.query({ skip: 1, limit: 1 })).map((u) => u.id)).toEqual([list[1]?.id]);

    expect(Object.keys(await sdk.users.byId.query({ id: created.id })).sort()).toEqual(USER_KEYS);
    const other = await sdk.users.byId.query({ id: rest.user.id });
    expect(Object.keys(other).sort()).toEqual(PUBLIC_USER_KEYS);
    expect(other).toMatchObject({ username: rest.account.username, bio: 'made over REST' });

    await sdk.users.deactivateMe.mutate();
    expect(await failure(sdk.auth.me.query())).toMatchObject({ code: 'INVALID_TOKEN', status: 401 });
    expect(await failure(sdk.login({ email: account.email, password: account.password }))).toMatchObject({
      code: 'ACCOUNT_DEACTIVATED',
      status: 403,
    });
  });

  it('logout forgets the token', async () => {
    const sdk = client();
    await sdk.login({ username: rest.account.email, password: rest.account.password });
    expect((await sdk.auth.me.query()).id).toBe(rest.user.id);
    sdk.logout();
    expect(await failure(sdk.auth.me.query())).toMatchObject({ code: 'NOT_AUTHENTICATED', status: 401 });
  });

  it('sends more than ten concurrent calls in batches the server accepts', async () => {
    const sdk = client(rest.token);
    const results = await Promise.all(Array.from({ length: 25 }, () => sdk.auth.me.query()));
    expect(results.map((u) => u.id)).toEqual(Array(25).fill(rest.user.id));
  });
});

describe('SDK errors', () => {
  it('a taken email is USER_ALREADY_EXISTS 409; a taken username USERNAME_TAKEN 409', async () => {
    expect(await failure(client().register(newAccount('dup', { email: rest.account.email })))).toEqual({
      code: 'USER_ALREADY_EXISTS',
      status: 409,
      detail: 'Email already registered',
      issues: [],
    });
    expect(
      await failure(client().register(newAccount('dup', { username: rest.account.username.toUpperCase() }))),
    ).toMatchObject({
      code: 'USERNAME_TAKEN',
      status: 409,
    });
  });

  it('invalid input is VALIDATION_ERROR 422 with the issues', async () => {
    const error = await failure(client().register({ email: 'nope', username: 'ok_name', password: 'short' }));
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', status: 422, detail: 'Validation failed' });
    expect(error.issues.map((i) => i.path)).toEqual([['email'], ['password']]);
    // Fields the caller may not set are refused, not ignored.
    const sneaky = { bio: 'x', role: 'admin' } as unknown as Parameters<
      RosterClient['users']['updateMe']['mutate']
    >[0];
    const refused = await failure(client(rest.token).users.updateMe.mutate(sneaky));
    expect(refused).toMatchObject({ code: 'VALIDATION_ERROR', status: 422 });
    expect(refused.issues[0]).toMatchObject({ code: 'unrecognized_keys' });
    expect((await client(rest.token).auth.me.query()).role).toBe('user');
  });

  it('no token is NOT_AUTHENTICATED 401; a bad one INVALID_TOKEN 401; bad credentials INVALID_CREDENTIALS 401', async () => {
    expect(await failure(client().auth.me.query())).toEqual({
      code: 'NOT_AUTHENTICATED',
      status: 401,
      detail: 'Not authenticated',
      issues: [],
    });
    expect(await failure(client('a.b.c').users.list.query({}))).toMatchObject({
      code: 'INVALID_TOKEN',
      status: 401,
    });
    expect(
      await failure(client().login({ username: rest.account.username, password: 'wrong password' })),
    ).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      status: 401,
      detail: 'Incorrect email or password',
    });
  });

  it('an absent user is USER_NOT_FOUND 404', async () => {
    expect(await failure(client(rest.token).users.byId.query({ id: 424242 }))).toMatchObject({
      code: 'USER_NOT_FOUND',
      status: 404,
    });
  });

  it('an unreachable server is NETWORK_ERROR with status 0', async () => {
    const sdk = createRosterClient({ url: 'http://127.0.0.1:9' });
    expect(await failure(sdk.auth.me.query())).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });
});

describe('raw HTTP', () => {
  it('refuses a batch of 11 calls', async () => {
    const res = await req('GET', `${callPath(11)}?batch=1&input=${batchInput(11)}`, { token: rest.token });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { data: { code: 'MALFORMED_REQUEST', httpStatus: 400 } } });
    expect(JSON.stringify(res.body)).not.toContain(rest.account.email);
  });

  it('answers batches of 3 and of 10 call by call', async () => {
    for (const count of [3, 10]) {
      const res = await req<{ result: { data: { id: number } } }[]>(
        'GET',
        `${callPath(count)}?batch=1&input=${batchInput(count)}`,
        {
          token: rest.token,
        },
      );
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(count);
      for (const item of res.body) expect(item.result.data.id).toBe(rest.user.id);
    }
  });

  it('answers a mixed batch with each call its own outcome', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: undefined, 1: { id: 999999 } }));
    const res = await req<
      [{ result: { data: { id: number } } }, { error: { data: { code: string; httpStatus: number } } }]
    >('GET', `/trpc/auth.me,users.byId?batch=1&input=${input}`, { token: rest.token });
    expect(res.status).toBe(207);
    expect(res.body[0].result.data.id).toBe(rest.user.id);
    expect(res.body[1].error.data).toMatchObject({ code: 'USER_NOT_FOUND', httpStatus: 404 });
  });

  it('answers a single call that fails validation with HTTP 422 and the issues', async () => {
    const res = await req<{
      error: { data: { code: string; httpStatus: number; issues: { path: unknown[] }[] } };
    }>('GET', `/trpc/users.list?input=${encodeURIComponent(JSON.stringify({ limit: 101 }))}`, {
      token: rest.token,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.data).toMatchObject({ code: 'VALIDATION_ERROR', httpStatus: 422 });
    expect(res.body.error.data.issues.map((i) => i.path)).toEqual([['limit']]);
    const post = await req('POST', '/trpc/auth.register', {
      json: { email: 'x', username: 'ok_name', password: 'password123' },
    });
    expect(post.status).toBe(422);
  });

  it('answers single-call failures with their own status, and 401 with WWW-Authenticate', async () => {
    const unauth = await req('GET', '/trpc/auth.me');
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('www-authenticate')).toBe('Bearer');
    expect(unauth.body).toMatchObject({
      error: { message: 'Not authenticated', data: { code: 'NOT_AUTHENTICATED', httpStatus: 401 } },
    });
    const conflict = await req('POST', '/trpc/auth.register', {
      json: newAccount('c', { email: rest.account.email }),
    });
    expect(conflict.status).toBe(409);
    const missing = await req('GET', '/trpc/users.nothing');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { data: { code: 'NOT_FOUND' } } });
  });

  it('refuses malformed JSON with 400 and a body over 100 KB with 413', async () => {
    const malformed = await req('POST', '/trpc/auth.login', {
      headers: { 'content-type': 'application/json' },
      body: '{"username":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { data: { code: 'MALFORMED_REQUEST' } } });
    const big = await req('POST', '/trpc/auth.register', {
      json: newAccount('big', { bio: 'x'.repeat(110 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('refuses a query sent as a mutation and a mutation sent as a query', async () => {
    const wrongVerb = await req(
      'GET',
      `/trpc/auth.register?input=${encodeURIComponent(JSON.stringify(newAccount('verb')))}`,
    );
    expect(wrongVerb.status).toBe(405);
    expect(wrongVerb.body).toMatchObject({ error: { data: { code: 'METHOD_NOT_ALLOWED' } } });
    const postQuery = await req('POST', '/trpc/auth.me', { token: rest.token, json: {} });
    expect(postQuery.status).toBe(405);
  });
});
