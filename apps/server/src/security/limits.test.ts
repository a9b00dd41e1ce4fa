import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, type Session } from '../test/accounts.js';
import { rawRequest } from '../test/raw-http.js';
import {
  startTargetWithMallory,
  timed,
  trpcBatch,
  trpcCall,
  trpcError,
  whileHealthy,
  type AdminSession,
} from '../test/security.js';

// Resource limits: absurd page sizes, huge and deeply nested bodies, huge fields and oversized tRPC batches are
// each a quick 4xx, and the server keeps answering /health on other connections meanwhile.

let target: AdminSession;
let mallory: Session;

beforeAll(async () => {
  ({ target, mallory } = await startTargetWithMallory());
});
afterAll(() => target.server.close());

const MB = 1024 * 1024;
/** A quick answer: well under the time a hash or a full scan would take. */
const QUICK_MS = 2000;

describe('page sizes and numbers', () => {
  const BAD = ['1e6', '1000000', '-1', 'abc', '1.5', '0', '', '99999999999999999999', 'NaN', 'Infinity'];

  it.each(BAD)('limit=%j is 422 on every listing, REST and tRPC', async (limit) => {
    for (const [path, token] of [
      ['/users', mallory.token],
      ['/admin/users', target.rootToken],
      ['/admin/audit', target.rootToken],
    ] as const) {
      const { value: res, ms } = await timed(() => target.req('GET', `${path}?limit=${limit}`, { token }));
      expect(res.status, `${path}?limit=${limit}`).toBe(422);
      expect(ms).toBeLessThan(QUICK_MS);
    }
    const asNumber = Number(limit);
    const input = { limit: Number.isNaN(asNumber) || limit === '' ? limit : asNumber };
    for (const [path, token] of [
      ['users.list', mallory.token],
      ['admin.listUsers', target.rootToken],
      ['admin.audit', target.rootToken],
    ] as const) {
      const res = await trpcCall(target.server, 'query', path, input, token);
      expect(trpcError(res.body), `${path} ${JSON.stringify(input)}`).toMatchObject({ httpStatus: 422 });
    }
  });

  it('skip of 1e6 is 422, skip at the maximum answers an empty page quickly', async () => {
    expect((await target.req('GET', '/users?skip=1000001', { token: mallory.token })).status).toBe(422);
    const { value: res, ms } = await timed(() =>
      target.req('GET', '/users?skip=1000000', { token: mallory.token }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('a thousand query parameters are refused, not parsed into a thousand filters', async () => {
    const query = Array.from({ length: 1000 }, (_, i) => `k${i}=${i}`).join('&');
    const res = await target.req('GET', `/users?${query}`, { token: mallory.token });
    expect(res.status).toBe(422);
  });
});

describe('big and deep bodies', () => {
  const big = (bytes: number) => JSON.stringify({ ...newAccount('big'), bio: 'x'.repeat(bytes) });

  it.each([
    ['POST', '/auth/register'],
    ['POST', '/auth/login'],
    ['PATCH', '/users/me'],
    ['POST', '/trpc/auth.register'],
    ['POST', '/trpc/users.patchMe'],
  ])('a 10 MB body to %s %s is a quick 413 (with content-length and chunked)', async (method, path) => {
    const body = big(10 * MB);
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${mallory.token}`,
    };
    const { result, slowestHealthMs } = await whileHealthy(target.server, async () => {
      const sized = await timed(() =>
        rawRequest(target.server.url, method, path, {
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          chunks: [body],
        }),
      );
      const chunked = await timed(() =>
        rawRequest(target.server.url, method, path, {
          headers,
          chunks: Array.from({ length: 160 }, (_, i) => body.slice(i * 65536, (i + 1) * 65536)),
        }),
      );
      return [sized, chunked];
    });
    for (const { value, ms } of result) {
      expect(value.status).toBe(413);
      expect(ms).toBeLessThan(QUICK_MS);
    }
    expect(slowestHealthMs).toBeLessThan(QUICK_MS);
  });

  it('a 413 before the body was read ends the connection, so the next request on a keep-alive agent is fine', async () => {
    const big = JSON.stringify({ bio: 'x'.repeat(200_000) });
    for (const [method, path, status] of [
      ['POST', '/auth/register', 413],
      ['PUT', '/users/me', 413],
      ['POST', '/trpc/auth.register', 413],
      ['POST', '/users/me', 405], // refused by the route table before any body is read
    ] as const) {
      const refused = await rawRequest(target.server.url, method, path, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${mallory.token}` },
        chunks: [big],
      });
      expect(refused.status).toBe(status);
      const { value: next, ms } = await timed(() => rawRequest(target.server.url, 'GET', '/health'));
      expect(next.status, path).toBe(200);
      expect(ms).toBeLessThan(QUICK_MS);
    }
  });

  it('100k levels of nesting is 413 (it cannot fit under the body limit)', async () => {
    const deep = `{"bio":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const path of ['/auth/register', '/trpc/auth.register']) {
      const res = await rawRequest(target.server.url, 'POST', path, {
        headers: { 'content-type': 'application/json' },
        chunks: [deep],
      });
      expect(res.status, path).toBe(413);
    }
  });

  it.each([
    ['arrays', (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`],
    ['objects', (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`],
  ])('the deepest %s that fit under the limit are a quick 422, REST and tRPC', async (_kind, nest) => {
    const levels = _kind === 'arrays' ? 50_000 : 16_000;
    const { result } = await whileHealthy(target.server, async () => {
      const out = [];
      for (const [method, path] of [
        ['POST', '/auth/register'],
        ['PATCH', '/users/me'],
        ['POST', '/trpc/auth.register'],
        ['POST', '/trpc/users.patchMe'],
      ] as const) {
        const body = `{"bio":${nest(levels)},"email":"a@b.c","username":"deep","password":"deep-password"}`;
        out.push(
          await timed(() =>
            rawRequest(target.server.url, method, path, {
              headers: { 'content-type': 'application/json', authorization: `Bearer ${mallory.token}` },
              chunks: [body],
            }),
          ),
        );
      }
      return out;
    });
    for (const { value, ms } of result) {
      expect([400, 422]).toContain(value.status);
      expect(ms).toBeLessThan(QUICK_MS);
    }
  });

  it('a 1 MB password is 413 on register and login; one just under the body limit is a quick 422', async () => {
    const account = newAccount('pw');
    const { result } = await whileHealthy(target.server, async () => {
      const out = [];
      for (const password of ['p'.repeat(MB), 'p'.repeat(100_000)]) {
        for (const [path, json] of [
          ['/auth/register', { ...account, password }],
          ['/auth/login', { username: mallory.account.username, password }],
          ['/trpc/auth.login', { username: mallory.account.username, password }],
        ] as const) {
          out.push({
            size: password.length,
            path,
            ...(await timed(() => target.req('POST', path, { json }))),
          });
        }
      }
      return out;
    });
    for (const { size, path, value, ms } of result) {
      expect(value.status, `${path} ${size}`).toBe(size === MB ? 413 : 422);
      expect(ms, `${path} ${size}`).toBeLessThan(QUICK_MS);
    }
  });

  it('a 100k-character email is a quick 422 (or 413), never a lookup', async () => {
    const email = `${'a'.repeat(100_000 - 12)}@example.com`;
    for (const [path, json] of [
      ['/auth/register', { ...newAccount('long'), email }],
      ['/auth/login', { username: email, password: 'whatever-pw' }],
      ['/auth/login', { email, password: 'whatever-pw' }],
    ] as const) {
      const { value, ms } = await timed(() => target.req('POST', path, { json }));
      expect([413, 422], path).toContain(value.status);
      expect(ms).toBeLessThan(QUICK_MS);
    }
    const patch = await target.req('PATCH', '/users/me', { token: mallory.token, json: { email } });
    expect([413, 422]).toContain(patch.status);
  });
});

describe('tRPC batches', () => {
  it.each([11, 500])('a batch of %i calls is a quick 4xx and runs none of them', async (count) => {
    const { result, slowestHealthMs } = await whileHealthy(target.server, async () => {
      const queries = await timed(() =>
        trpcBatch(
          target.server,
          'query',
          Array.from({ length: count }, () => ({ path: 'auth.me' })),
          mallory.token,
        ),
      );
      const mutations = await timed(() =>
        trpcBatch(
          target.server,
          'mutation',
          Array.from({ length: count }, () => ({ path: 'auth.register', input: newAccount('batch') })),
        ),
      );
      return [queries, mutations];
    });
    for (const { value, ms } of result) {
      expect(value.status).toBeGreaterThanOrEqual(400);
      expect(value.status).toBeLessThan(500);
      expect(ms).toBeLessThan(QUICK_MS);
    }
    expect(slowestHealthMs).toBeLessThan(QUICK_MS);
    const list = await target.req<{ total: number }>('GET', '/admin/users?q=batch_&include_total=true', {
      token: target.rootToken,
    });
    expect(list.body.total).toBe(0);
  });

  it('a batch of 10 logins with a wrong password is allowed but costs no more than ten logins', async () => {
    const calls = Array.from({ length: 10 }, () => ({
      path: 'auth.login',
      input: { username: mallory.account.username, password: 'wrong-password' },
    }));
    const res = await trpcBatch<unknown[]>(target.server, 'mutation', calls);
    expect(res.body).toHaveLength(10);
    for (const entry of res.body) expect(trpcError(entry)).toMatchObject({ httpStatus: 401 });
  });
});
