import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, newAccount, register } from '../test/accounts.js';
import { createUser, ROOT, ROOT_ENV, tokenFor } from '../test/admin.js';
import { http, startTestServer, type TestServer } from '../test/harness.js';

// The request log: one JSON line per request with the route template, status, duration, request id and caller,
// and never a password, token or cookie, even at LOG_LEVEL=trace.

let server: TestServer;
let req: ReturnType<typeof api>;

beforeAll(async () => {
  server = await startTestServer({ ...ROOT_ENV, LOG_LEVEL: 'trace' });
  req = api(server);
});
afterAll(() => server?.close());

const requestLines = () => server.logs.filter((l) => l.msg === 'request');
const lineFor = (reqId: string) => requestLines().find((l) => l.reqId === reqId);
const trpcInput = (input: unknown) => encodeURIComponent(JSON.stringify(input));

describe('request log lines', () => {
  it('name the REST route template, the status, the duration, the request id and the caller', async () => {
    const account = newAccount('logged');
    const user = await register(server, account);
    const token = await tokenFor(server, account.username, account.password);
    const res = await req('GET', `/users/${user.id}`, { token, headers: { 'x-request-id': 'rest-by-id' } });
    expect(res.status).toBe(200);
    expect(lineFor('rest-by-id')).toEqual({
      level: 30,
      time: expect.any(Number),
      service: 'roster',
      msg: 'request',
      reqId: 'rest-by-id',
      userId: user.id,
      method: 'GET',
      route: '/users/{id}',
      status: 200,
      durationMs: expect.any(Number),
      ip: expect.stringMatching(/127\.0\.0\.1$/),
    });
    // A literal segment wins over a parameter; no caller before authentication.
    await req('PUT', '/users/me', { json: { bio: 'x' }, headers: { 'x-request-id': 'rest-me-anon' } });
    expect(lineFor('rest-me-anon')).toMatchObject({ route: '/users/me', status: 401 });
    expect(lineFor('rest-me-anon')).not.toHaveProperty('userId');
  });

  it('name the tRPC procedure, a batch, the fixed paths, and "unmatched" for anything else', async () => {
    const account = newAccount('rpc');
    const user = await register(server, account);
    const token = await tokenFor(server, account.username, account.password);
    const calls: [string, string, string, Record<string, unknown>][] = [
      ['GET', `/trpc/users.byId?input=${trpcInput({ id: user.id })}`, 'trpc:users.byId', { status: 200 }],
      [
        'GET',
        `/trpc/auth.me,users.byId?batch=1&input=${trpcInput({ 1: { id: user.id } })}`,
        'trpc:batch',
        {},
      ],
      ['GET', '/trpc/users.nothing', 'trpc:unknown', { status: 404 }],
      ['GET', '/health', '/health', { status: 200 }],
      ['GET', '/docs/swagger-ui.css', '/docs', { status: 200 }],
      ['GET', `/nope/${user.id}`, 'unmatched', { status: 404 }],
      ['POST', '/users', '/users', { status: 405 }],
    ];
    for (const [method, path, route, fields] of calls) {
      const id = `route-${route.replace(/[^a-z]/gi, '')}-${method}`;
      await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'x-request-id': id },
      });
      await expect.poll(() => lineFor(id)).toMatchObject({ method, route, ...fields });
    }
    await expect.poll(() => lineFor('route-trpcusersbyId-GET')).toMatchObject({ userId: user.id });
  });

  it('carry the request id on every line written while serving it', async () => {
    const broken = await startTestServer();
    try {
      await broken.running.db.orm.em.getConnection().execute('drop table audit_events');
      const res = await http(broken.url, 'POST', '/auth/register', {
        json: newAccount('broken'),
        headers: { 'x-request-id': 'fails-inside' },
      });
      expect(res.status).toBe(500);
      const lines = broken.logs.filter((l) => l.reqId === 'fails-inside');
      expect(lines.map((l) => l.msg).sort()).toEqual(['request', 'unexpected error']);
    } finally {
      await broken.close();
    }
  });
});

describe('secrets in the log', () => {
  it('none of the passwords, tokens, authorization headers or cookies of a whole flow reach it', async () => {
    const account = newAccount('secretive', { password: 'Pa55word-of-the-user-0001' });
    const secrets: string[] = [account.password, ROOT.password];
    const user = await register(server, account);

    const rest = await login(server, account.username, account.password);
    expect(rest.status).toBe(200);
    const token = rest.body.access_token;
    const rpcLogin = await req<{ result: { data: { access_token: string } } }>('POST', '/trpc/auth.login', {
      json: { username: account.email, password: account.password },
    });
    expect(rpcLogin.status).toBe(200);
    const rpcToken = rpcLogin.body.result.data.access_token;
    const cookie = 'session=Cookie-Value-That-Must-Not-Leak';
    secrets.push(token, rpcToken, ...token.split('.').slice(1), 'Cookie-Value-That-Must-Not-Leak');

    for (const bad of ['Wrong-Password-0001', 'Wrong-Password-0002']) {
      secrets.push(bad);
      expect((await login(server, account.username, bad)).status).toBe(401);
    }
    const rpcBad = 'Wrong-Password-Over-Trpc';
    secrets.push(rpcBad);
    const refused = await req('POST', '/trpc/auth.login', {
      json: { username: account.username, password: rpcBad },
    });
    expect(refused.status).toBe(401);

    expect((await req('GET', '/auth/me', { token, headers: { cookie } })).status).toBe(200);
    expect(
      (await req('GET', '/auth/me', { headers: { authorization: 'Bearer Not-A-Real-Token-0001' } })).status,
    ).toBe(401);
    secrets.push('Not-A-Real-Token-0001');
    expect((await req('PUT', '/users/me', { token, json: { full_name: 'Secretive User' } })).status).toBe(
      200,
    );
    expect(
      (await req('POST', '/trpc/users.patchMe', { token: rpcToken, json: { bio: 'keeps secrets' } })).status,
    ).toBe(200);

    const rootToken = await tokenFor(server, ROOT.email, ROOT.password);
    secrets.push(rootToken);
    const created = await createUser(server, rootToken, 'created', { password: 'Created-By-Admin-0001' });
    secrets.push(created.account.password);
    const reset = 'Reset-By-Admin-0001';
    secrets.push(reset);
    const setPassword = await req('POST', `/admin/users/${created.user.id}/password`, {
      token: rootToken,
      json: { password: reset },
    });
    expect(setPassword.status).toBe(204);
    expect((await login(server, created.account.username, reset)).status).toBe(200);
    const patched = await req('PATCH', `/admin/users/${user.id}`, {
      token: rootToken,
      json: { is_active: false },
    });
    expect(patched.status).toBe(200);
    expect((await login(server, account.username, account.password)).status).toBe(403); // deactivated
    // A malformed body echoing a password back in a validation error.
    const invalid = await req('POST', '/auth/register', {
      json: { ...newAccount('invalid'), password: 'short', email: 'Not-An-Email-Password-0001' },
    });
    expect(invalid.status).toBe(422);

    const text = server.rawLogs();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(text, secret).not.toContain(secret);
    // Trace level really was on: the log is not silent about the flow.
    expect(requestLines().filter((l) => l.route === 'trpc:auth.login').length).toBeGreaterThanOrEqual(2);
  });
});
