import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRosterClient, registeredUser, type RosterClient, type RosterError } from './index.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';
import { failure } from './test/calls.js';

// The typed client against the BUILT server in a child process (see ./test/server.ts).
let server: SpawnedServer;
beforeAll(async () => {
  server = await spawnServer();
});
afterAll(() => server?.close());

/** A registered account and a valid access token for it. */
async function account() {
  const input = newUser('acct');
  const client = createRosterClient({ url: server.url });
  const user = registeredUser(await client.register(input));
  const { access_token } = await client.login({ username: input.username, password: input.password });
  return { input, user, token: access_token };
}

/** The global fetch, wrapped to record every call. */
function countingFetch() {
  const calls: { url: string; headers: Headers }[] = [];
  const fetchSpy: typeof fetch = (input, init) => {
    calls.push({
      url: String(input instanceof Request ? input.url : input),
      headers: new Headers(init?.headers),
    });
    return fetch(input, init);
  };
  return { calls, fetch: fetchSpy };
}

describe('createRosterClient: the whole account flow', () => {
  it('talks to a server on the database this run targets', () => {
    const listening = server.logs.find((l) => l.msg === 'Roster is listening');
    expect(listening).toMatchObject({ url: server.url, database: server.database.kind });
  });

  it('registers, logs in (keeping the token), reads, updates, lists, deactivates, and is then refused', async () => {
    const input = { ...newUser('flow'), full_name: 'Ada Lovelace' };
    const client = createRosterClient({ url: `${server.url}/` }); // a trailing slash is tolerated
    expect(await client.getToken()).toBeNull();

    const created = registeredUser(await client.register(input));
    expect(created).toMatchObject({
      email: input.email,
      username: input.username,
      full_name: 'Ada Lovelace',
    });
    expect(created).toMatchObject({ role: 'user', is_superuser: false, is_active: true, bio: null });
    expect(created.id).toBeTypeOf('number');
    expect(created).not.toHaveProperty('password');

    const login = await client.login({ username: input.email, password: input.password });
    expect(login).toMatchObject({ token_type: 'bearer', user: { id: created.id, email: input.email } });
    expect(login.expires_in).toBeGreaterThan(0);
    expect(await client.getToken()).toBe(login.access_token);

    const me = await client.auth.me.query();
    // updated_at is left out: logging in records last_login_at, which bumps it (see the report).
    expect(me).toEqual({ ...created, updated_at: expect.any(String) });
    expect(Number.isNaN(Date.parse(me.created_at))).toBe(false);

    const updated = await client.users.updateMe.mutate({
      full_name: 'Augusta Ada King',
      bio: 'Analyst of engines.',
    });
    expect(updated).toMatchObject({
      id: created.id,
      full_name: 'Augusta Ada King',
      bio: 'Analyst of engines.',
    });

    const patched = await client.users.patchMe.mutate({ bio: null });
    expect(patched).toMatchObject({ full_name: 'Augusta Ada King', bio: null });

    const byId = await client.users.byId.query({ id: created.id });
    expect(byId).toMatchObject({ id: created.id, email: input.email, full_name: 'Augusta Ada King' });

    const list = await client.users.list.query({ limit: 100 });
    expect(list.map((u) => u.id)).toContain(created.id);

    await expect(client.users.deactivateMe.mutate()).resolves.toBeUndefined();
    expect(await failure(client.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    expect(await failure(client.login({ username: input.username, password: input.password }))).toEqual({
      code: 'ACCOUNT_DEACTIVATED',
      status: 403,
    });
  });

  it('shows other accounts as public profiles', async () => {
    const { token } = await account();
    const other = await account();
    const client = createRosterClient({ url: server.url, token });
    const view = await client.users.byId.query({ id: other.user.id });
    expect(view).toEqual({
      id: other.user.id,
      username: other.input.username,
      full_name: null,
      bio: null,
      created_at: other.user.created_at,
    });
  });

  it('can be returned from an async function (it is not a thenable)', async () => {
    const client = createRosterClient({ url: server.url });
    await expect(Promise.resolve(client)).resolves.toBe(client);
  });
});

describe('tokens', () => {
  let token: string;
  beforeAll(async () => {
    ({ token } = await account());
  });

  it('sends a fixed `token` option', async () => {
    const client = createRosterClient({ url: server.url, token });
    expect(await client.getToken()).toBe(token);
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');
  });

  it('asks a synchronous `getToken` before every request', async () => {
    const getToken = vi.fn(() => token);
    const client = createRosterClient({ url: server.url, getToken });
    await client.auth.me.query();
    await client.auth.me.query();
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(await client.getToken()).toBe(token);
  });

  it('awaits an asynchronous `getToken`', async () => {
    const client = createRosterClient({ url: server.url, getToken: async () => token });
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');
    expect(await client.getToken()).toBe(token);
  });

  it('prefers `getToken` over `token`', async () => {
    const wins = createRosterClient({ url: server.url, token: 'not-a-token', getToken: () => token });
    await expect(wins.auth.me.query()).resolves.toHaveProperty('id');

    const none = createRosterClient({ url: server.url, token, getToken: () => undefined });
    expect(await none.getToken()).toBeNull();
    expect(await failure(none.auth.me.query())).toEqual({ code: 'NOT_AUTHENTICATED', status: 401 });
  });

  it('setToken, getToken and logout manage the kept token', async () => {
    const { token } = await account(); // logout() ends this session on the server
    const client = createRosterClient({ url: server.url, token: null });
    expect(await client.getToken()).toBeNull();
    expect(await failure(client.auth.me.query())).toEqual({ code: 'NOT_AUTHENTICATED', status: 401 });

    client.setToken(token);
    expect(await client.getToken()).toBe(token);
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');

    client.logout();
    expect(await client.getToken()).toBeNull();
    expect(await failure(client.auth.me.query())).toEqual({ code: 'NOT_AUTHENTICATED', status: 401 });

    client.setToken('garbage');
    expect(await failure(client.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    client.setToken(null);
    expect(await client.getToken()).toBeNull();
  });

  it('keeps the previous token when a login fails', async () => {
    const { input } = await account();
    const client = createRosterClient({ url: server.url, token });
    expect(await failure(client.login({ username: input.username, password: 'wrong password' }))).toEqual({
      code: 'INVALID_CREDENTIALS',
      status: 401,
    });
    expect(await client.getToken()).toBe(token);
  });

  it('logs in with `email` instead of `username`', async () => {
    const { input, user } = await account();
    const client = createRosterClient({ url: server.url });
    const login = await client.login({ email: input.email, password: input.password });
    expect(login.user.id).toBe(user.id);
    expect(await client.getToken()).toBe(login.access_token);
  });
});

describe('custom headers and fetch', () => {
  it('sends custom headers and the bearer token through a custom fetch', async () => {
    const { token } = await account();
    const spy = countingFetch();
    const requestId = `sdk-header-${Date.now()}`;
    const client = createRosterClient({
      url: `${server.url}//`,
      token,
      headers: { 'x-request-id': requestId },
      fetch: spy.fetch,
    });
    await client.auth.me.query();
    expect(spy.calls).toHaveLength(1);
    const [call] = spy.calls;
    expect(call?.url.startsWith(`${server.url}/trpc/auth.me`)).toBe(true);
    expect(call?.headers.get('x-request-id')).toBe(requestId);
    expect(call?.headers.get('authorization')).toBe(`Bearer ${token}`);
    // The server saw the header: it logs the request under that id.
    await vi.waitFor(() =>
      expect(server.logs.some((l) => l.reqId === requestId && l.route === 'trpc:auth.me')).toBe(true),
    );
  });

  it('sends no authorization header without a token', async () => {
    const spy = countingFetch();
    const client = createRosterClient({ url: server.url, fetch: spy.fetch });
    await client.register(newUser('nohdr'));
    expect(spy.calls[0]?.headers.has('authorization')).toBe(false);
  });
});

describe('batching', () => {
  let client: RosterClient;
  let spy: ReturnType<typeof countingFetch>;
  let id: number;
  beforeAll(async () => {
    const acct = await account();
    id = acct.user.id;
    spy = countingFetch();
    client = createRosterClient({ url: server.url, token: acct.token, fetch: spy.fetch });
  });

  it('sends calls made in one tick as one request', async () => {
    spy.calls.length = 0;
    const [me, byId, list] = await Promise.all([
      client.auth.me.query(),
      client.users.byId.query({ id }),
      client.users.list.query({}),
    ]);
    expect(spy.calls).toHaveLength(1);
    expect(me.id).toBe(id);
    expect(byId.id).toBe(id);
    expect(Array.isArray(list)).toBe(true);
  });

  it('sends calls made in separate ticks separately', async () => {
    spy.calls.length = 0;
    await client.auth.me.query();
    await client.auth.me.query();
    expect(spy.calls).toHaveLength(2);
  });

  it('splits more than ten calls (the server limit) into several requests', async () => {
    spy.calls.length = 0;
    const results = await Promise.all(Array.from({ length: 12 }, () => client.auth.me.query()));
    expect(results.every((r) => r.id === id)).toBe(true);
    expect(spy.calls).toHaveLength(2);
  });

  it('fails only the failing call of a batch, with its own code and status', async () => {
    spy.calls.length = 0;
    const [me, missing, list] = await Promise.allSettled([
      client.auth.me.query(),
      client.users.byId.query({ id: 2_000_000_000 }),
      client.users.list.query({}),
    ]);
    expect(spy.calls).toHaveLength(1);
    expect(me.status).toBe('fulfilled');
    expect(list.status).toBe('fulfilled');
    expect(missing.status === 'rejected' && (missing.reason as RosterError).code).toBe('USER_NOT_FOUND');
    expect(missing.status === 'rejected' && (missing.reason as RosterError).status).toBe(404);
  });
});
