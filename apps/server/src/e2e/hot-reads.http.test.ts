import { createHotReads, inputKey, restInputKey } from '@roster/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, login, registerAndLogin } from '../test/accounts.js';
import { startWithRoot, type AdminSession } from '../test/admin.js';
import { http, startTestServer, type JsonResponse, type TestServer } from '../test/harness.js';

// Every read the read cache keeps (auth.me, users.byId, users.list) answered from memory in front of its procedure
// once the caller's token has been seen (hot-reads.ts), over REST, tRPC and the SDK's batches: the same answer as
// the procedure's, and every change that matters is seen by the very next request.

let admin: AdminSession;
let server: TestServer;

beforeAll(async () => {
  admin = await startWithRoot();
  server = admin.server;
});
afterAll(() => server?.close());

const me = (token: string, path = '/auth/me', headers: Record<string, string> = {}) =>
  http(server.url, 'GET', path, { token, headers });

/** The headers that differ between any two responses. */
const VOLATILE = new Set(['date', 'x-request-id']);
function stable(res: JsonResponse): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => !VOLATILE.has(name)));
}

describe('answers from memory', () => {
  it('GET /auth/me: the second answer (from memory) equals the first (the procedure), headers included', async () => {
    const { token, user } = await registerAndLogin(server, 'hotrest');
    const first = await me(token);
    const second = await me(token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(user);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(stable(second)).toEqual(stable(first));
  });

  it('GET /trpc/auth.me: the same result envelope and headers from memory as from the procedure', async () => {
    const { token, user } = await registerAndLogin(server, 'hottrpc');
    const first = await me(token, '/trpc/auth.me');
    const second = await me(token, '/trpc/auth.me');
    expect(first.body).toEqual({ result: { data: user } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(stable(second)).toEqual(stable(first));
    expect(second.headers.get('content-type')).toBe('application/json');
    expect(second.headers.get('vary')).toContain('trpc-accept');
    expect(second.headers.get('content-security-policy')).toBe(first.headers.get('content-security-policy'));
  });

  it('batches and calls with an input run the procedure and answer the same', async () => {
    const { token, user } = await registerAndLogin(server, 'hotbatch');
    await me(token);
    const batch = await me(token, '/trpc/auth.me?batch=1&input=%7B%7D');
    expect(batch.body).toEqual([{ result: { data: user } }]);
    // auth.me takes no input: the procedure refuses one.
    const withInput = await me(token, '/trpc/auth.me?input=%7B%7D');
    expect(withInput.status).toBe(422);
    expect(withInput.body).toMatchObject({ error: { data: { code: 'VALIDATION_ERROR' } } });
  });

  it('logs the hot answer as any other: route, status and the caller', async () => {
    const { token, user } = await registerAndLogin(server, 'hotlog');
    await me(token);
    const id = 'hot-read-log-line';
    expect((await me(token, '/auth/me', { 'x-request-id': id })).status).toBe(200);
    await expect
      .poll(() => server.logs.find((l) => l.reqId === id && l.msg === 'request'))
      .toMatchObject({ route: '/auth/me', status: 200, userId: user.id, method: 'GET' });
  });
});

describe('every read the read cache keeps, not only auth.me', () => {
  const enc = (input: unknown) => encodeURIComponent(JSON.stringify(input));
  const hotAnswer = (token: string, path: string, input: string) =>
    createHotReads(server.running.deps).answer(path, `Bearer ${token}`, input);

  it('REST GET /users?limit=… and /users/{id}: stored under the URL the hot read looks up, answered alike', async () => {
    const { token } = await registerAndLogin(server, 'hotlist');
    const other = await registerAndLogin(server, 'hotlistother');
    for (const path of ['/users?limit=5', `/users/${other.user.id}`]) {
      const first = await me(token, path);
      expect(first.status).toBe(200);
      const procedure = path.startsWith('/users?') ? 'users.list' : 'users.byId';
      expect(hotAnswer(token, procedure, restInputKey(path))?.json).toBe(JSON.stringify(first.body));
      const second = await me(token, path);
      expect(second.body).toEqual(first.body);
      expect(stable(second)).toEqual(stable(first));
    }
    // Another URL is another entry, never the answer of the first.
    expect(hotAnswer(token, 'users.list', restInputKey('/users?limit=6'))).toBeUndefined();
    expect(((await me(token, '/users?limit=6')).body as unknown as unknown[]).length).toBeLessThanOrEqual(6);
  });

  it('tRPC users.list and users.byId, alone and in the SDK’s batch: the procedure’s envelope from memory', async () => {
    const { token, user } = await registerAndLogin(server, 'hottrpclist');
    const list = `/trpc/users.list?input=${enc({ limit: 3 })}`;
    const batch = `/trpc/auth.me,users.byId,users.list?batch=1&input=${enc({ 1: { id: user.id }, 2: { limit: 3 } })}`;
    const first = { list: await me(token, list), batch: await me(token, batch) };
    expect(hotAnswer(token, 'users.list', inputKey({ limit: 3 }))).toBeDefined();
    expect(hotAnswer(token, 'users.byId', inputKey({ id: user.id }))).toBeDefined();
    expect(first.batch.status).toBe(200);
    const second = { list: await me(token, list), batch: await me(token, batch) };
    expect(second.list.body).toEqual(first.list.body);
    expect(second.batch.body).toEqual(first.batch.body);
    expect(stable(second.batch)).toEqual(stable(first.batch));
    expect((second.batch.body as unknown as { result: { data: unknown } }[])[1]!.result.data).toEqual({
      ...user,
    });
  });

  it('another account’s change shows in a list and a record read from memory on the very next request', async () => {
    const { token } = await registerAndLogin(server, 'hotwatcher');
    const changed = await registerAndLogin(server, 'hotchanged');
    const record = `/users/${changed.user.id}`;
    const trpcRecord = `/trpc/users.byId?input=${enc({ id: changed.user.id })}`;
    for (let i = 0; i < 2; i++) {
      await me(token, '/users?limit=50');
      await me(token, record);
      await me(token, trpcRecord);
    }
    const patched = await http(server.url, 'PATCH', '/users/me', {
      token: changed.token,
      json: { bio: 'seen at once' },
    });
    expect(patched.status).toBe(200);
    const listed = (await me(token, '/users?limit=50')).body as unknown as { id: number; bio: string }[];
    expect(listed.find((u) => u.id === changed.user.id)?.bio).toBe('seen at once');
    expect((await me(token, record)).body).toMatchObject({ bio: 'seen at once' });
    expect((await me(token, trpcRecord)).body).toMatchObject({ result: { data: { bio: 'seen at once' } } });
  });

  it('a deactivated account’s list and record reads are refused on the very next request', async () => {
    const { token, user } = await registerAndLogin(server, 'hotlistdeact');
    for (let i = 0; i < 2; i++) {
      await me(token, '/users?limit=5');
      await me(token, `/trpc/users.list?input=${enc({ limit: 5 })}`);
    }
    const res = await admin.req('PATCH', `/admin/users/${user.id}`, {
      token: admin.rootToken,
      json: { is_active: false },
    });
    expect(res.status).toBe(200);
    expectErrorBody((await me(token, '/users?limit=5')).body, 'INVALID_TOKEN', 401);
    expect((await me(token, `/trpc/users.list?input=${enc({ limit: 5 })}`)).status).toBe(401);
  });
});

describe('CORS', () => {
  it('a browser’s call from an allowed origin gets the same CORS headers from memory as from the procedure', async () => {
    const cors = await startTestServer({ ALLOWED_ORIGINS: 'http://app.example' });
    try {
      const { token } = await registerAndLogin(cors, 'hotcors');
      const headers = { origin: 'http://app.example' };
      const [first, second] = [
        await http(cors.url, 'GET', '/auth/me', { token, headers }),
        await http(cors.url, 'GET', '/auth/me', { token, headers }),
      ];
      expect(second.status).toBe(200);
      expect(second.headers.get('access-control-allow-origin')).toBe('http://app.example');
      expect(second.headers.get('access-control-allow-credentials')).toBe('true');
      expect(stable(second)).toEqual(stable(first));
      const other = await http(cors.url, 'GET', '/auth/me', {
        token,
        headers: { origin: 'http://evil.example' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await cors.close();
    }
  });
});

describe('the next request sees every change', () => {
  it('a profile change shows at once', async () => {
    const { token } = await registerAndLogin(server, 'hotprofile');
    await me(token);
    await me(token);
    expect((await http(server.url, 'PATCH', '/users/me', { token, json: { bio: 'changed' } })).status).toBe(
      200,
    );
    expect((await me(token)).body).toMatchObject({ bio: 'changed' });
    expect((await me(token, '/trpc/auth.me')).body).toMatchObject({ result: { data: { bio: 'changed' } } });
  });

  it('a deactivated account is refused on the next request, on both surfaces', async () => {
    const { token, user } = await registerAndLogin(server, 'hotdeact');
    await me(token);
    await me(token, '/trpc/auth.me');
    const res = await admin.req('PATCH', `/admin/users/${user.id}`, {
      token: admin.rootToken,
      json: { is_active: false },
    });
    expect(res.status).toBe(200);
    const refused = await me(token);
    expect(refused.status).toBe(401);
    expectErrorBody(refused.body, 'INVALID_TOKEN', 401);
    expect((await me(token, '/trpc/auth.me')).status).toBe(401);
  });

  it('a logged-out session is refused on the next request; the account’s other session is not', async () => {
    const { token, account } = await registerAndLogin(server, 'hotlogout');
    const other = (await login(server, account.email, account.password)).body.access_token;
    for (const t of [token, other]) {
      await me(t);
      await me(t);
    }
    expect((await http(server.url, 'POST', '/auth/logout', { token })).status).toBe(204);
    expect((await me(token)).status).toBe(401);
    expect((await me(token, '/trpc/auth.me')).status).toBe(401);
    expect((await me(other)).status).toBe(200);
  });

  it('a token of no session, or a malformed header, goes to the procedure and is refused there', async () => {
    expect((await me('not-a-token')).status).toBe(401);
    const bare = await http(server.url, 'GET', '/auth/me', { headers: { authorization: 'Bearer' } });
    expect(bare.status).toBe(401);
    expectErrorBody(bare.body, 'NOT_AUTHENTICATED', 401);
  });
});
