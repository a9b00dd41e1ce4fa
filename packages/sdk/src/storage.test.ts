import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRosterClient,
  memoryStorage,
  webStorage,
  type RosterError,
  type StorageLike,
  type TokenStorage,
} from './index.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';

// Token storage: the storages alone, then the client keeping its token in them against the BUILT server.
let server: SpawnedServer;
let input: ReturnType<typeof newUser>;
let token: string;
beforeAll(async () => {
  server = await spawnServer();
  input = newUser('store');
  const client = createRosterClient({ url: server.url });
  await client.register(input);
  ({ access_token: token } = await client.login({ username: input.username, password: input.password }));
});
afterAll(() => server?.close());

/** A Web Storage area in memory, recording every call (what a browser's localStorage would see). */
function fakeWebStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  const calls: string[] = [];
  const area: StorageLike = {
    getItem: (key) => items.get(key) ?? null,
    setItem(key, value) {
      calls.push(`set ${key}`);
      items.set(key, value);
    },
    removeItem(key) {
      calls.push(`remove ${key}`);
      items.delete(key);
    },
  };
  return { area, items, calls };
}

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const credentials = () => ({ username: input.username, password: input.password });

/** A token of its own session, for tests whose logout() ends the session on the server. */
async function freshToken(): Promise<string> {
  return (await createRosterClient({ url: server.url }).login(credentials())).access_token;
}

async function code(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => (e as RosterError).code,
  );
}

describe('memoryStorage', () => {
  it('starts empty (or with the given token) and keeps what it is set to', () => {
    const empty = memoryStorage();
    expect(empty.get()).toBeNull();
    empty.set('t1');
    expect(empty.get()).toBe('t1');
    empty.set(null);
    expect(empty.get()).toBeNull();
    expect(memoryStorage('t0').get()).toBe('t0');
  });
});

describe('webStorage', () => {
  it("keeps the token under 'roster.token' and removes the item for null", () => {
    const { area, items, calls } = fakeWebStorage({ other: 'untouched' });
    const storage = webStorage(area);
    expect(storage.get()).toBeNull();
    storage.set('t1');
    expect(items.get('roster.token')).toBe('t1');
    expect(storage.get()).toBe('t1');
    storage.set(null);
    expect(items.has('roster.token')).toBe(false);
    expect(storage.get()).toBeNull();
    expect(calls).toEqual(['set roster.token', 'remove roster.token']);
    expect(items.get('other')).toBe('untouched');
  });

  it('uses another key when told', () => {
    const { area, items } = fakeWebStorage();
    webStorage(area, 'app.auth').set('t2');
    expect([...items]).toEqual([['app.auth', 't2']]);
  });
});

describe('the client and its storage', () => {
  it('login keeps the token in a web storage, calls send it, logout removes it', async () => {
    const { area, items } = fakeWebStorage();
    const client = createRosterClient({ url: server.url, storage: webStorage(area) });
    expect(await client.getToken()).toBeNull();
    const login = await client.login(credentials());
    expect(items.get('roster.token')).toBe(login.access_token);
    await expect(client.auth.me.query()).resolves.toMatchObject({ username: input.username });

    await client.logout();
    expect(items.has('roster.token')).toBe(false);
    expect(await code(client.auth.me.query())).toBe('NOT_AUTHENTICATED');

    await client.setToken(token);
    expect(items.get('roster.token')).toBe(token);
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');
  });

  it('reads the storage before every request: a token stored elsewhere (another tab) is used', async () => {
    const { area, items } = fakeWebStorage();
    const shared = () => ({
      url: server.url,
      storage: webStorage(area),
      refreshStorage: webStorage(area, 'roster.refresh'),
    });
    const tab1 = createRosterClient(shared());
    const tab2 = createRosterClient(shared());
    await tab1.login(credentials());
    await expect(tab2.auth.me.query()).resolves.toHaveProperty('id');
    expect(items.get('roster.refresh')).toBeTypeOf('string');
    items.delete('roster.token'); // another tab logged out
    items.delete('roster.refresh');
    expect(await code(tab1.auth.me.query())).toBe('NOT_AUTHENTICATED');
  });

  it('writes a `token` option into a given storage when created', async () => {
    const { area, items } = fakeWebStorage({ 'roster.token': 'stale' });
    const client = createRosterClient({ url: server.url, token, storage: webStorage(area) });
    expect(await client.getToken()).toBe(token);
    expect(items.get('roster.token')).toBe(token);
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');

    const kept = fakeWebStorage({ 'roster.token': token });
    await createRosterClient({ url: server.url, storage: webStorage(kept.area) }).auth.me.query();
    expect(kept.calls).toEqual([]); // no `token` option: the storage is only read
  });

  it('`getToken` decides what is sent; login still fills the storage', async () => {
    const storage = memoryStorage();
    const client = createRosterClient({ url: server.url, storage, getToken: () => null });
    const login = await client.login(credentials());
    expect(storage.get()).toBe(login.access_token);
    expect(await client.getToken()).toBeNull();
    expect(await code(client.auth.me.query())).toBe('NOT_AUTHENTICATED');
  });

  it('treats an empty stored token as none', async () => {
    const client = createRosterClient({ url: server.url, storage: memoryStorage('') });
    expect(await client.getToken()).toBeNull();
  });
});

describe('asynchronous storage', () => {
  /** A storage whose writes take `delays[i]` ms (in call order), recording when each one lands. */
  function slowStorage(delays: number[]) {
    let value: string | null = null;
    const landed: (string | null)[] = [];
    let n = 0;
    const storage: TokenStorage = {
      get: async () => value,
      async set(token) {
        await new Promise((resolve) => setTimeout(resolve, delays[n++] ?? 0));
        value = token;
        landed.push(token);
      },
    };
    return { storage, landed };
  }

  it('applies writes in call order even when an earlier one is slower', async () => {
    const { storage, landed } = slowStorage([40, 0]);
    const client = createRosterClient({ url: server.url, storage });
    const token = await freshToken();
    void client.setToken(token);
    const out = client.logout();
    expect(await client.getToken()).toBeNull(); // reads wait for the writes before them
    await out;
    expect(landed).toEqual([token, null]);
  });

  it('sends the token of an unawaited setToken', async () => {
    const { storage } = slowStorage([30]);
    const client = createRosterClient({ url: server.url, storage });
    void client.setToken(token);
    await expect(client.auth.me.query()).resolves.toHaveProperty('id');
  });

  it('a logout during a login wins: the late token is not kept', async () => {
    const held = gate();
    const client = createRosterClient({
      url: server.url,
      fetch: async (url, init) => {
        await held.opened;
        return fetch(url, init);
      },
    });
    const pending = client.login(credentials());
    await client.logout();
    held.open();
    const login = await pending;
    expect(login.access_token).toBeTypeOf('string'); // the caller still gets it
    expect(await client.getToken()).toBeNull();
  });

  it('of overlapping logins one token is kept; a failed login changes nothing', async () => {
    const client = createRosterClient({ url: server.url });
    const [first, second] = await Promise.all([client.login(credentials()), client.login(credentials())]);
    expect([first.access_token, second.access_token]).toContain(await client.getToken());

    await client.setToken(token);
    const results = await Promise.allSettled([
      client.login({ ...credentials(), password: 'wrong password' }),
      client.login(credentials()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    const fulfilled = results[1] as PromiseFulfilledResult<{ access_token: string }>;
    expect(await client.getToken()).toBe(fulfilled.value.access_token);
  });

  it('a failing write rejects its call and leaves later ones working', async () => {
    let fail = true;
    const inner = memoryStorage();
    const storage: TokenStorage = {
      get: () => inner.get(),
      set(next) {
        if (fail) throw new Error('QuotaExceededError');
        inner.set(next);
      },
    };
    const client = createRosterClient({ url: server.url, storage });
    await expect(client.setToken(token)).rejects.toThrow('QuotaExceededError');
    expect(await client.getToken()).toBeNull();
    await expect(client.login(credentials())).rejects.toThrow('QuotaExceededError');
    fail = false;
    await client.setToken(token);
    expect(await client.getToken()).toBe(token);
  });

  it('a `token` the storage refuses makes every call fail with that error', async () => {
    const storage: TokenStorage = {
      get: () => null,
      set: () => Promise.reject(new Error('storage is read-only')),
    };
    const client = createRosterClient({ url: server.url, token, storage });
    await expect(client.getToken()).rejects.toThrow('storage is read-only');
    const error = await client.auth.me.query().catch((e: unknown) => e as RosterError);
    expect(error).toMatchObject({ status: 0 });
    expect((error as Error).message).toContain('storage is read-only');
  });
});
