import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, registerAndLogin } from './test/accounts.js';
import { createUser, startWithRoot, type AdminSession } from './test/admin.js';
import type { JsonResponse } from './test/harness.js';

// Query strings and tRPC query inputs: a key named after an Object.prototype member is an unknown key like any other,
// on every GET route.
let s: AdminSession;
let userToken: string;
let userId: number;

beforeAll(async () => {
  s = await startWithRoot();
  const session = await registerAndLogin(s.server, 'querier');
  userToken = session.token;
  userId = session.user.id;
  await createUser(s.server, s.rootToken, 'listed');
}, 60_000);
afterAll(() => s.server.close());

/** Every own member of Object.prototype: `constructor`, `__proto__`, `toString`, `hasOwnProperty`, `valueOf`, … */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);
const CALLERS = ['anonymous', 'user', 'admin'] as const;
const tokenOf = (caller: (typeof CALLERS)[number]) =>
  caller === 'anonymous' ? undefined : caller === 'user' ? userToken : s.rootToken;
const GET_ROUTES = () => [
  '/users',
  `/users/${userId}`,
  '/users/me',
  '/admin/users',
  `/admin/users/${userId}`,
  `/admin/users/${userId}/sessions`,
  '/admin/audit',
  '/admin/stats',
  '/auth/me',
  '/auth/sessions',
];

/** What a client can compare: the status, and for an error the body with the key's name where it appears. */
function outcome(res: JsonResponse<unknown>, key: string) {
  if (res.status < 400) return { status: res.status, list: Array.isArray(res.body) };
  return {
    status: res.status,
    body: JSON.parse(JSON.stringify(res.body).replaceAll(key, '<key>')) as unknown,
  };
}

describe('a query key named after an Object.prototype member', () => {
  it('is there to test', () => {
    expect(PROTOTYPE_KEYS).toEqual(
      expect.arrayContaining(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']),
    );
  });

  it.each(CALLERS)('answers what an unknown key answers on every GET route (%s)', async (caller) => {
    const token = tokenOf(caller);
    for (const route of GET_ROUTES()) {
      const unknown = outcome(await s.req('GET', `${route}?bogus=1`, { token }), 'bogus');
      expect(unknown.status, route).not.toBe(500);
      for (const key of PROTOTYPE_KEYS) {
        for (const query of [`${key}=1`, `${key}=1&${key}=2`, `limit=5&${key}=x`]) {
          const res = await s.req('GET', `${route}?${query}`, { token });
          const expected = query.startsWith('limit')
            ? outcome(await s.req('GET', `${route}?limit=5&bogus=x`, { token }), 'bogus')
            : unknown;
          expect(outcome(res, key), `GET ${route}?${query} as ${caller}`).toEqual(expected);
        }
      }
    }
  });

  it('names the key in a 422, as it names any unknown key', async () => {
    const res = await s.req<{ issues: { path: unknown[]; message: string; code: string }[] }>(
      'GET',
      '/admin/users?constructor=1',
      { token: s.rootToken },
    );
    expect(res.status).toBe(422);
    expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
    expect(res.body.issues).toEqual([
      { path: [], message: 'Unrecognized key: "constructor"', code: 'unrecognized_keys' },
    ]);
    const anonymous = await s.req('GET', '/users?constructor=1');
    expect(anonymous.status).toBe(401);
    expectErrorBody(anonymous.body, 'NOT_AUTHENTICATED', 401);
  });

  it.each(['users.list', 'admin.listUsers', 'admin.audit'])(
    'is an unknown key in a tRPC query input too (%s)',
    async (procedure) => {
      const call = (input: string) =>
        s.req<{ error: { data: unknown } }>('GET', `/trpc/${procedure}?input=${encodeURIComponent(input)}`, {
          token: s.rootToken,
        });
      const unknown = await call('{"bogus":1}');
      expect(unknown.status).toBe(422);
      for (const key of PROTOTYPE_KEYS) {
        const res = await call(`{${JSON.stringify(key)}:1}`);
        expect(res.status, key).toBe(422);
        expect(JSON.stringify(res.body.error.data).replaceAll(key, '<key>'), key).toBe(
          JSON.stringify(unknown.body.error.data).replaceAll('bogus', '<key>'),
        );
      }
    },
  );
});
