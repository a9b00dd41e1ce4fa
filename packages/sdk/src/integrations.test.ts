import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createRosterClient, registeredUser, type RosterClient, type RouterOutputs } from './index.js';
import { failure } from './test/calls.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';

// The API-key and impersonation helpers against the BUILT server, started with a bootstrap admin.
const ADMIN = { email: 'root@example.com', username: 'root_admin', password: 'admin password 123' };
let server: SpawnedServer;
let admin: RosterClient;
beforeAll(async () => {
  server = await spawnServer({
    env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ADMIN_USERNAME: ADMIN.username },
  });
  admin = createRosterClient({ url: server.url });
  await admin.login({ email: ADMIN.email, password: ADMIN.password });
});
afterAll(() => server?.close());

async function member(): Promise<{ client: RosterClient; id: number }> {
  const input = newUser('member');
  const client = createRosterClient({ url: server.url });
  const { id } = registeredUser(await client.register(input));
  await client.login({ username: input.username, password: input.password });
  return { client, id };
}

describe('apiKeys helpers and the apiKey option', () => {
  it('create, list and revoke keys; a client made with apiKey calls within its scopes', async () => {
    const { client, id } = await member();
    const created = await client.apiKeys.create({ name: 'sdk script', scopes: ['profile:read'] });
    expect(created.key).toMatch(/^rst_/);
    expectTypeOf(created).toEqualTypeOf<RouterOutputs['auth']['createApiKey']>();

    const byKey = createRosterClient({ url: server.url, apiKey: created.key });
    expect(await byKey.getToken()).toBe(created.key);
    expect((await byKey.auth.me.query()).id).toBe(id);
    expect(await failure(byKey.users.list.query({}))).toEqual({ code: 'INSUFFICIENT_SCOPE', status: 403 });
    expect(await failure(byKey.apiKeys.list())).toEqual({ code: 'FORBIDDEN_FOR_API_KEY', status: 403 });
    // A key is not a session: nothing to refresh, and logging out only forgets locally.
    expect(await byKey.refresh()).toBe(false);
    await byKey.logout();
    expect((await byKey.auth.me.query()).id).toBe(id);

    expect((await client.apiKeys.list()).map((k) => k.id)).toEqual([created.id]);
    await client.apiKeys.revoke(created.id);
    expect(await client.apiKeys.list()).toEqual([]);
    expect(await failure(byKey.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    expect(await failure(client.apiKeys.revoke(created.id))).toEqual({
      code: 'API_KEY_NOT_FOUND',
      status: 404,
    });
  });

  it('the token option takes an API key as well', async () => {
    const { client, id } = await member();
    const { key } = await client.apiKeys.create({ name: 'as token', scopes: ['profile:read'] });
    expect((await createRosterClient({ url: server.url, token: key }).auth.me.query()).id).toBe(id);
  });
});

describe('impersonate', () => {
  it("answers the token and a client acting as the account; that client's logout ends it", async () => {
    const { client: own, id } = await member();
    const started = await admin.impersonate({ id, reason: 'SDK support check' });
    expect(started).toMatchObject({ token_type: 'bearer', user: { id } });
    expect(started.expires_in).toBeLessThanOrEqual(15 * 60);
    const acting = started.client;
    expect(await acting.getToken()).toBe(started.access_token);
    expect(await acting.auth.me.query()).toMatchObject({ id, impersonator: { email: ADMIN.email } });
    expect(await failure(acting.apiKeys.create({ name: 'no', scopes: ['profile:read'] }))).toEqual({
      code: 'FORBIDDEN_WHILE_IMPERSONATING',
      status: 403,
    });
    await acting.logout();
    expect(await acting.getToken()).toBeNull();
    const stale = createRosterClient({ url: server.url, token: started.access_token });
    expect(await failure(stale.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
    expect((await own.auth.me.query()).id).toBe(id);
    expect(await failure(own.impersonate({ id, reason: 'not an admin' }))).toEqual({
      code: 'FORBIDDEN',
      status: 403,
    });
  });
});
