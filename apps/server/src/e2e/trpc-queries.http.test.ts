import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type Session } from '../test/accounts.js';
import { startWithRoot, type AdminSession } from '../test/admin.js';
import { http, startTestServer, type TestServer } from '../test/harness.js';

// tRPC queries over GET (single calls and batches, as the SDK sends them) are answered by http/trpc-queries.ts
// without tRPC's fetch adapter; everything else still goes to the adapter. Same envelopes, same statuses.

let admin: AdminSession;
let server: TestServer;
let caller: Session;

beforeAll(async () => {
  admin = await startWithRoot();
  server = admin.server;
  caller = await registerAndLogin(server, 'lean');
});
afterAll(() => server?.close());

const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  http(server.url, 'GET', path, { token, headers });
const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

describe('queries answered without the adapter', () => {
  it('answers the SDK’s batch of three reads call by call, in order', async () => {
    const res = await get(
      `/trpc/auth.me,users.byId,users.list?batch=1&input=${input({ 1: { id: caller.user.id }, 2: { limit: 2 } })}`,
      caller.token,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const [me, byId, list] = res.body as unknown as [
      { result: { data: { id: number } } },
      { result: { data: { id: number; email: string } } },
      { result: { data: unknown[] } },
    ];
    expect(me.result.data.id).toBe(caller.user.id);
    expect(byId.result.data).toMatchObject({ id: caller.user.id, email: caller.account.email });
    expect(list.result.data).toHaveLength(2);
  });

  it('a refused call in a batch says when to retry', async () => {
    const limited = await startTestServer({ RATE_LIMIT_ENABLED: 'true', RATE_LIMITS: 'apiKey.key=1/1m' });
    try {
      const me = await registerAndLogin(limited, 'leanlimit');
      const key = await http(limited.url, 'POST', '/auth/api-keys', {
        token: me.token,
        json: { name: 'reader', scopes: ['profile:read'] },
      });
      expect(key.status).toBe(201);
      const token = (key.body as { key: string }).key;
      const first = await http(limited.url, 'GET', '/trpc/auth.me', { token });
      expect(first.status).toBe(200);
      const batch = await http(limited.url, 'GET', '/trpc/auth.me,auth.me?batch=1', { token });
      expect(batch.status).toBe(429);
      expect(Number(batch.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(batch.body).toMatchObject([
        { error: { data: { code: 'RATE_LIMITED' } } },
        { error: { data: { code: 'RATE_LIMITED' } } },
      ]);
    } finally {
      await limited.close();
    }
  });

  it('refuses a revoked session on the very next batch', async () => {
    const other = await registerAndLogin(server, 'leanrevoke');
    const path = `/trpc/auth.me,users.byId?batch=1&input=${input({ 1: { id: other.user.id } })}`;
    expect((await get(path, other.token)).status).toBe(200);
    expect((await http(server.url, 'POST', '/auth/logout', { token: other.token })).status).toBe(204);
    const after = await get(path, other.token);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject([
      { error: { data: { code: 'INVALID_TOKEN' } } },
      { error: { data: { code: 'INVALID_TOKEN' } } },
    ]);
  });

  it('keeps the CORS Vary header beside tRPC’s', async () => {
    const cors = await startTestServer({ ALLOWED_ORIGINS: 'http://app.example' });
    try {
      const me = await registerAndLogin(cors, 'leancors');
      const res = await http(cors.url, 'GET', '/trpc/users.byId?input=' + input({ id: me.user.id }), {
        token: me.token,
        headers: { origin: 'http://app.example' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
      const vary = res.headers.get('vary') ?? '';
      for (const name of ['Origin', 'trpc-accept', 'accept']) expect(vary).toContain(name);
    } finally {
      await cors.close();
    }
  });

  it('logs the batch under its label with the caller', async () => {
    const id = 'lean-batch-log-line';
    const res = await get('/trpc/auth.me,auth.me?batch=1', caller.token, { 'x-request-id': id });
    expect(res.status).toBe(200);
    await expect
      .poll(() => server.logs.find((l) => l.reqId === id && l.msg === 'request'))
      .toMatchObject({ route: 'trpc:batch', status: 200, userId: caller.user.id });
  });
});

describe('remembered URLs (the SDK repeats the same few)', () => {
  it('one URL asked by two callers answers each their own', async () => {
    const other = await registerAndLogin(server, 'leanother');
    const byId = `/trpc/auth.me,users.byId?batch=1&input=${input({ 1: { id: caller.user.id } })}`;
    for (let round = 0; round < 2; round++) {
      const mine = await get(byId, caller.token);
      const theirs = await get(byId, other.token);
      expect(mine.body).toMatchObject([
        { result: { data: { id: caller.user.id } } },
        { result: { data: { id: caller.user.id, email: caller.account.email } } },
      ]);
      expect(theirs.body).toMatchObject([
        { result: { data: { id: other.user.id } } },
        { result: { data: { id: caller.user.id } } },
      ]);
      // Another caller sees the public profile only.
      expect(JSON.stringify(theirs.body)).not.toContain(caller.account.email);
    }
  });

  it('answers the same on every request, refusals included, past the number it remembers', async () => {
    const { REMEMBERED_URLS } = await import('../http/trpc-queries.js');
    const page = (skip: number) => `/trpc/users.list?batch=1&input=${input({ 0: { limit: 1, skip } })}`;
    const tooMany = `/trpc/users.list?batch=1&input=${input({ 0: { limit: 1000 } })}`;
    const first = await get(page(0), caller.token);
    expect(first.status).toBe(200);
    const refused = await get(tooMany, caller.token);
    expect(refused.status).toBe(422);
    for (let skip = 1; skip <= REMEMBERED_URLS + 8; skip++) {
      expect((await get(page(skip % 3), caller.token)).status).toBe(200);
      expect((await get(`${page(skip)}&_=${skip}`, caller.token)).status).toBe(200);
    }
    expect((await get(page(0), caller.token)).body).toEqual(first.body);
    const again = await get(tooMany, caller.token);
    expect(again.status).toBe(422);
    expect(again.body).toEqual(refused.body);
  });
});

describe('left to tRPC’s adapter', () => {
  it('a streamed batch (trpc-accept: application/jsonl) is streamed', async () => {
    const res = await fetch(`${server.url}/trpc/auth.me?batch=1`, {
      headers: { authorization: `Bearer ${caller.token}`, 'trpc-accept': 'application/jsonl' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(await res.text()).toContain(caller.account.email);
  });

  it('a mutation over GET, an unknown procedure and a non-object batch input keep tRPC’s answers', async () => {
    const wrongVerb = await get('/trpc/auth.logout', caller.token);
    expect(wrongVerb.status).toBe(405);
    const unknown = await get('/trpc/auth.me,users.nothing?batch=1', caller.token);
    expect(unknown.status).toBe(207);
    expect(unknown.body).toMatchObject([{ result: {} }, { error: { data: { code: 'NOT_FOUND' } } }]);
    const arrayInput = await get(`/trpc/auth.me?batch=1&input=${input([{}])}`, caller.token);
    expect(arrayInput.status).toBe(400);
    const badJson = await get('/trpc/auth.me?input=%7B', caller.token);
    expect(badJson.status).toBe(400);
  });
});
