import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRosterClient, memoryStorage } from './index.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';
import { failure } from './test/calls.js';

// Refresh tokens in the client, against the BUILT server: kept at login, used once on a 401 by every call in
// flight, rotated, and forgotten when the session is over.
let server: SpawnedServer;
beforeAll(async () => {
  server = await spawnServer();
});
afterAll(() => server?.close());

/** A registered account's login input. */
async function registered() {
  const input = newUser('refresh');
  await createRosterClient({ url: server.url }).register(input);
  return { username: input.username, password: input.password };
}

/** The global fetch, recording the tRPC procedures each request carried. */
function recordingFetch() {
  const paths: string[] = [];
  const fetchSpy: typeof fetch = (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    paths.push(url.pathname.replace(/^\/trpc\//, ''));
    return fetch(input, init);
  };
  return { paths, fetch: fetchSpy };
}

describe('refresh tokens in the client', () => {
  it('login keeps the refresh token beside the access token', async () => {
    const refreshStorage = memoryStorage();
    const client = createRosterClient({ url: server.url, refreshStorage });
    const login = await client.login(await registered());
    expect(login.refresh_token).toBeTypeOf('string');
    expect(refreshStorage.get()).toBe(login.refresh_token);
    expect(await client.getToken()).toBe(login.access_token);
  });

  it('on a 401 refreshes once, rotates both tokens and retries the call', async () => {
    const refreshStorage = memoryStorage();
    const { paths, fetch } = recordingFetch();
    const client = createRosterClient({ url: server.url, refreshStorage, fetch });
    const login = await client.login(await registered());
    await client.setToken('expired-or-revoked'); // what an access token past its exp looks like to the server
    paths.length = 0;

    await expect(client.auth.me.query()).resolves.toHaveProperty('id');
    expect(paths).toEqual(['auth.me', 'auth.refresh', 'auth.me']);
    const access = await client.getToken();
    expect(access).not.toBe(login.access_token);
    expect(access).not.toBe('expired-or-revoked');
    expect(refreshStorage.get()).not.toBe(login.refresh_token);
  });

  it('shares one refresh among every call that failed meanwhile', async () => {
    const { paths, fetch } = recordingFetch();
    const client = createRosterClient({ url: server.url, fetch });
    await client.login(await registered());
    await client.setToken('stale');
    paths.length = 0;
    // Separate ticks: separate HTTP requests, each answered 401.
    const calls = [];
    for (let i = 0; i < 5; i += 1) {
      calls.push(client.auth.me.query());
      await new Promise((resolve) => setImmediate(resolve));
    }
    const users = await Promise.all(calls);
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(paths.filter((p) => p === 'auth.refresh')).toHaveLength(1);
  });

  it('when the session is over, the call fails with its 401 and both tokens are forgotten', async () => {
    const refreshStorage = memoryStorage();
    const client = createRosterClient({ url: server.url, refreshStorage });
    const credentials = await registered();
    await client.login(credentials);
    // Another device ends every session of the account.
    const other = createRosterClient({ url: server.url });
    await other.login(credentials);
    await other.auth.logoutAll.mutate();

    expect(await failure(client.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    expect(await client.getToken()).toBeNull();
    expect(refreshStorage.get()).toBeNull();
    expect(await client.refresh()).toBe(false);
  });

  it('does not refresh for a wrong password, a call without a refresh token, or a `getToken` client', async () => {
    const { paths, fetch } = recordingFetch();
    const credentials = await registered();
    const client = createRosterClient({ url: server.url, fetch });
    expect(await failure(client.login({ ...credentials, password: 'wrong password' }))).toEqual({
      code: 'INVALID_CREDENTIALS',
      status: 401,
    });
    expect(await failure(client.auth.me.query())).toEqual({ code: 'NOT_AUTHENTICATED', status: 401 });
    const external = createRosterClient({ url: server.url, fetch, getToken: () => 'stale' });
    await external.login(credentials);
    expect(await failure(external.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    expect(paths).not.toContain('auth.refresh');
  });

  it('refresh() exchanges the pair on demand; concurrent calls share one request', async () => {
    const { paths, fetch } = recordingFetch();
    const client = createRosterClient({ url: server.url, fetch });
    const login = await client.login(await registered());
    paths.length = 0;
    expect(await Promise.all([client.refresh(), client.refresh(), client.refresh()])).toEqual([
      true,
      true,
      true,
    ]);
    expect(paths).toEqual(['auth.refresh']);
    expect(await client.getToken()).not.toBe(login.access_token);
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');
  });

  it('logout ends the session on the server: its tokens stop working everywhere', async () => {
    const client = createRosterClient({ url: server.url });
    const login = await client.login(await registered());
    await client.logout();
    expect(await client.getToken()).toBeNull();
    const reuse = createRosterClient({ url: server.url, token: login.access_token });
    expect(await failure(reuse.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    const replay = createRosterClient({
      url: server.url,
      refreshStorage: memoryStorage(login.refresh_token),
    });
    expect(await replay.refresh()).toBe(false);
  });

  it('a logout during a refresh wins: the refreshed pair is not kept', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const client = createRosterClient({
      url: server.url,
      fetch: async (input, init) => {
        if (String(input).includes('auth.refresh')) await held;
        return fetch(input, init);
      },
    });
    await client.login(await registered());
    const refreshing = client.refresh();
    await client.logout();
    release();
    expect(await refreshing).toBe(false);
    expect(await client.getToken()).toBeNull();
  });
});
