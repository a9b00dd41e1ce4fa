import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectErrorBody, registerAndLogin, type Session } from '../test/accounts.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import { rawRequest } from '../test/raw-http.js';

// The error contract of the HTTP surface, request ids, CORS and the health check.
let server: TestServer;
let req: ReturnType<typeof api>;
let session: Session;

beforeAll(async () => {
  server = await startTestServer();
  req = api(server);
  session = await registerAndLogin(server, 'errors');
});
afterAll(() => server.close());

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const bigJson = () =>
  JSON.stringify({ email: 'big@example.com', username: 'big', password: 'x'.repeat(110 * 1024) });

describe('error bodies', () => {
  it.each([
    ['GET', '/nope'],
    ['POST', '/nope/deeper'],
    ['GET', '/users/1/extra'],
  ])('%s %s is 404 NOT_FOUND as JSON', async (method, path) => {
    const res = await req(method, path, { token: session.token });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ detail: 'Not found', code: 'NOT_FOUND' });
  });

  it.each([
    ['DELETE', '/auth/me', 'GET'],
    ['POST', '/users/me', 'GET, PUT, PATCH, DELETE'],
    ['GET', '/auth/register', 'POST'],
  ])('%s %s is 405 METHOD_NOT_ALLOWED with Allow: %s', async (method, path, allow) => {
    const res = await req(method, path, { token: session.token });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body).toEqual({ detail: 'Method not allowed', code: 'METHOD_NOT_ALLOWED' });
  });

  it('a JSON array body is 422; a bare JSON scalar is 400 (strict JSON: objects only)', async () => {
    const headers = { 'content-type': 'application/json' };
    const array = await req('PUT', '/users/me', { token: session.token, headers, body: '[]' });
    expect(array.status).toBe(422);
    expect(array.body).toMatchObject({ code: 'VALIDATION_ERROR' });
    for (const body of ['"text"', '42', 'null']) {
      const res = await req('PUT', '/users/me', { token: session.token, headers, body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'MALFORMED_REQUEST' });
    }
  });

  it('a NUL character in a text field is 422, never a 500', async () => {
    for (const [path, json] of [
      [
        '/auth/register',
        { email: 'nul@example.com', username: 'nuluser', password: 'password123', bio: 'a\u0000b' },
      ],
      ['/auth/login', { username: 'a\u0000b', password: 'password123' }],
    ] as const) {
      const res = await req('POST', path, { json });
      expect(res.status).toBe(422);
    }
    const patched = await req('PATCH', '/users/me', { token: session.token, json: { full_name: 'x\u0000' } });
    expect(patched.status).toBe(422);
  });

  it.each([
    ['/auth/register', '{"email": "a@example.com",'],
    ['/auth/login', '{bad json'],
    ['/auth/login', '[1, 2'],
  ])('malformed JSON to %s is 400 MALFORMED_REQUEST', async (path, body) => {
    const res = await req('POST', path, { headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 'MALFORMED_REQUEST');
  });

  it('malformed JSON to an authenticated route is 400 too', async () => {
    const res = await req('PUT', '/users/me', {
      token: session.token,
      headers: { 'content-type': 'application/json' },
      body: '{"bio":',
    });
    expect(res.status).toBe(400);
    expectErrorBody(res.body, 'MALFORMED_REQUEST');
  });

  it('a body over 100 KB with a content-length is 413 PAYLOAD_TOO_LARGE', async () => {
    const body = bigJson();
    const res = await rawRequest(server.url, 'POST', '/auth/register', {
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      chunks: [body],
    });
    expect(res.status).toBe(413);
    expectErrorBody(res.body, 'PAYLOAD_TOO_LARGE');
  });

  it('a chunked body over 100 KB without a content-length is 413 PAYLOAD_TOO_LARGE', async () => {
    const body = bigJson();
    const chunks = Array.from({ length: Math.ceil(body.length / 16384) }, (_, i) =>
      body.slice(i * 16384, (i + 1) * 16384),
    );
    const res = await rawRequest(server.url, 'POST', '/auth/register', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks,
    });
    expect(res.status).toBe(413);
    expectErrorBody(res.body, 'PAYLOAD_TOO_LARGE');
    // The server still answers afterwards.
    expect((await req('GET', '/health')).status).toBe(200);
  });

  it('a form body to /auth/register is 415 (only login takes forms)', async () => {
    const res = await req('POST', '/auth/register', {
      form: { email: 'form@example.com', username: 'formuser', password: 'password123' },
    });
    expect(res.status).toBe(415);
    expectErrorBody(res.body, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a body without a content-type on PUT /users/me is 415 and changes nothing', async () => {
    const res = await rawRequest(server.url, 'PUT', '/users/me', {
      headers: { authorization: `Bearer ${session.token}` },
      chunks: ['{"bio":"no type"}'],
    });
    expect(res.status).toBe(415);
    expectErrorBody(res.body, 'UNSUPPORTED_MEDIA_TYPE');
    const textPlain = await req('PUT', '/users/me', {
      token: session.token,
      headers: { 'content-type': 'text/plain' },
      body: '{"bio":"text"}',
    });
    expect(textPlain.status).toBe(415);
    expect((await req('GET', '/auth/me', { token: session.token })).body.bio).toBeNull();
  });

  it('validation failures are 422 with issues [{path, message, code}] naming the field', async () => {
    const res = await req<{ issues: { path: unknown[]; message: string; code: string }[] }>(
      'POST',
      '/auth/register',
      {
        json: { email: 'not-an-email', username: 'ok_name', password: 'password123' },
      },
    );
    expect(res.status).toBe(422);
    expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    expect(res.body.issues).toEqual([
      { path: ['email'], message: 'Invalid email address', code: 'invalid_format' },
    ]);
    const many = await req<{ issues: { path: unknown[] }[] }>('POST', '/auth/register', {
      json: { username: 'x', password: 1 },
    });
    expect(many.status).toBe(422);
    expect(many.body.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([['email'], ['username'], ['password']]),
    );
    for (const issue of many.body.issues)
      expect(Object.keys(issue).sort()).toEqual(['code', 'message', 'path']);
  });

  it('no error body carries a stack, SQL or anything beyond detail, code (and issues)', async () => {
    const bodies = await Promise.all([
      req('GET', '/nope'),
      req('GET', '/auth/me'),
      req('GET', '/auth/me', { headers: { authorization: 'Bearer x.y.z' } }),
      req('POST', '/auth/login', { form: { username: 'x@example.com', password: 'y' } }),
      req('GET', '/users/999999', { token: session.token }),
      req('GET', '/users/abc', { token: session.token }),
      req('POST', '/auth/register', {
        json: { email: session.account.email, username: 'fresh_name', password: 'password123' },
      }),
    ]);
    for (const res of bodies) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.body).toHaveProperty('detail');
      expect(res.body).toHaveProperty('code');
      expect(res.body).not.toHaveProperty('stack');
      expect(JSON.stringify(res.body)).not.toMatch(/select |insert |sqlite|postgres|constraint|\.ts:\d+/i);
    }
  });
});

describe('an unexpected failure', () => {
  it('is a generic 500 without SQL or stack, logged exactly once with its request id', async () => {
    const broken = await startTestServer();
    try {
      const s = await registerAndLogin(broken, 'broken');
      // Sessions reference users: PostgreSQL drops the foreign keys with the table only when told to.
      const drop = broken.running.db.kind === 'postgresql' ? 'drop table users cascade' : 'drop table users';
      await broken.running.db.orm.em.getConnection().execute(drop);
      const unexpected = () => broken.logs.filter((l) => l.msg === 'unexpected error');

      const res = await api(broken)('GET', '/auth/me', {
        token: s.token,
        headers: { 'x-request-id': 'req-500-rest' },
      });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ detail: 'Internal server error', code: 'INTERNAL_SERVER_ERROR' });
      expect(JSON.stringify(res.body)).not.toMatch(/users|select|table|stack/i);
      expect(unexpected()).toHaveLength(1);
      expect(unexpected()[0]).toMatchObject({
        level: 50,
        reqId: 'req-500-rest',
        path: '/auth/me',
        err: expect.any(Object),
      });

      const rpc = await api(broken)('GET', '/trpc/auth.me', { token: s.token });
      expect(rpc.status).toBe(500);
      expect(rpc.body).toEqual({
        error: {
          message: 'Internal server error',
          code: -32603,
          data: {
            detail: 'Internal server error',
            code: 'INTERNAL_SERVER_ERROR',
            httpStatus: 500,
            path: 'auth.me',
          },
        },
      });
      expect(unexpected()).toHaveLength(2);
      // Client errors are not "unexpected".
      await api(broken)('GET', '/nope');
      await api(broken)('GET', '/auth/me');
      expect(unexpected()).toHaveLength(2);
    } finally {
      await broken.close();
    }
  });
});

describe('X-Request-Id', () => {
  it('echoes a well-formed id', async () => {
    for (const id of ['abc-123', 'trace.span:1_2', 'x'.repeat(128)]) {
      const res = await req('GET', '/health', { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
    }
    const failing = await req('GET', '/nope', { headers: { 'x-request-id': 'on-an-error' } });
    expect(failing.headers.get('x-request-id')).toBe('on-an-error');
    const log = server.logs.find((l) => l.msg === 'request' && l.reqId === 'on-an-error');
    expect(log).toMatchObject({ method: 'GET', route: 'unmatched', status: 404 });
    expect(log).not.toHaveProperty('path'); // raw paths stay out of logs and metrics
  });

  it('replaces a malformed or missing id with a generated one', async () => {
    for (const given of ['has spaces', 'x'.repeat(129), 'semi;colon', 'bad<>id', 'caf\u00e9', undefined]) {
      const res = await fetch(`${server.url}/health`, {
        headers: given === undefined ? {} : { 'x-request-id': given },
      });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(UUID);
      expect(id).not.toBe(given);
    }
  });

  it('is set on tRPC responses too', async () => {
    const res = await req('GET', '/trpc/auth.me', {
      token: session.token,
      headers: { 'x-request-id': 'trpc-id' },
    });
    expect(res.headers.get('x-request-id')).toBe('trpc-id');
  });
});

describe('CORS', () => {
  it('allows the listed origin, and no other', async () => {
    const cors = await startTestServer({ ALLOWED_ORIGINS: 'http://app.example' });
    try {
      const allowed = await fetch(`${cors.url}/health`, { headers: { origin: 'http://app.example' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.example');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');

      const preflight = await fetch(`${cors.url}/users/me`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.example',
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
      expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');

      for (const origin of ['http://evil.example', 'http://app.example.evil', 'null']) {
        const other = await fetch(`${cors.url}/health`, { headers: { origin } });
        expect(other.status).toBe(200);
        expect(other.headers.get('access-control-allow-origin')).toBeNull();
        const pre = await fetch(`${cors.url}/users/me`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'PATCH' },
        });
        expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      await cors.close();
    }
  });

  it('allows no cross-origin caller when ALLOWED_ORIGINS is empty (the default)', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { origin: 'http://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('GET /health', () => {
  it('answers {status: healthy, version} without a token', async () => {
    const res = await req('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'healthy', version: VERSION });
    const head = await fetch(`${server.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});
