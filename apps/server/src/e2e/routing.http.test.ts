import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, registerAndLogin, type Session } from '../test/accounts.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// The route table (http/routes.ts on @koa/router): what reaches which handler, and what no route answers.
let server: TestServer;
let req: ReturnType<typeof api>;
let session: Session;

beforeAll(async () => {
  server = await startTestServer();
  req = api(server);
  session = await registerAndLogin(server, 'routing');
});
afterAll(() => server.close());

/** A request with any method name (fetch refuses some). */
function raw(method: string, path: string): Promise<{ status: number; body: string; allow?: string }> {
  return new Promise((resolve, reject) => {
    const r = request(`${server.url}${path}`, { method }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, allow: res.headers.allow as string | undefined }),
      );
    });
    r.on('error', reject);
    r.end();
  });
}

describe('the route table', () => {
  it('answers a method no route implements with 501 NOT_IMPLEMENTED as JSON', async () => {
    for (const path of ['/health', '/users/me', '/nope']) {
      const res = await raw('PROPFIND', path);
      expect(res.status).toBe(501);
      expect(JSON.parse(res.body)).toEqual({ detail: 'Method not implemented', code: 'NOT_IMPLEMENTED' });
    }
  });

  it('answers HEAD on a REST GET route like the GET, without a body', async () => {
    const get = await fetch(`${server.url}/users/${session.user.id}`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    const head = await fetch(`${server.url}/users/${session.user.id}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(await head.text()).toBe('');
    expect((await fetch(`${server.url}/users/${session.user.id}`, { method: 'HEAD' })).status).toBe(401);
  });

  it('answers OPTIONS without CORS with the methods of the path', async () => {
    const res = await raw('OPTIONS', '/auth/register');
    expect(res.status).toBe(200);
    expect(res.allow?.split(', ')).toEqual(['POST']);
  });

  it('is case-sensitive and takes one trailing slash', async () => {
    expect((await req('GET', '/HEALTH')).status).toBe(404);
    expect((await req('GET', '/health/')).status).toBe(200);
    expect((await req('GET', `/users/${session.user.id}/`, { token: session.token })).status).toBe(200);
  });

  it('names every route in the request log by its template, JWKS and the account pages included', async () => {
    for (const [path, route] of [
      ['/.well-known/jwks.json', '/.well-known/jwks.json'],
      ['/reset-password', '/reset-password'],
      [`/users/${session.user.id}`, '/users/{id}'],
    ] as const) {
      const id = `routing-${route.replace(/[^a-z]/gi, '')}`;
      await fetch(`${server.url}${path}`, {
        headers: { 'x-request-id': id, authorization: `Bearer ${session.token}` },
      });
      await expect
        .poll(() => server.logs.find((l) => l.reqId === id && l.msg === 'request'))
        .toMatchObject({ route });
    }
  });
});
