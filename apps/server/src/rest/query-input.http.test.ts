import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, registerAndLogin } from '../test/accounts.js';
import { createUser, startWithRoot, type AdminSession } from '../test/admin.js';
import type { JsonResponse } from '../test/harness.js';

// Query strings and tRPC query inputs: a key named after an Object.prototype member is an unknown key like any other,
// and string filters refuse control characters, on every GET route.
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

type Issues = { issues: { path: unknown[]; message: string }[] };

describe('string filters with control characters', () => {
  const CONTROLS: [string, string][] = [
    ['NUL', '\u0000'],
    ['SOH', '\u0001'],
    ['tab', '\t'],
    ['line feed', '\n'],
    ['carriage return', '\r'],
    ['escape', '\u001b'],
    ['DEL', '\u007f'],
    ['NEL (C1)', '\u0085'],
  ];
  const FILTERS = [
    ['/admin/users', 'q'],
    ['/admin/users', 'cursor'],
    ['/admin/audit', 'action'],
    ['/admin/audit', 'cursor'],
  ] as const;

  it.each(CONTROLS)('refuses a %s with 422 naming the parameter, over REST', async (_name, control) => {
    for (const [route, param] of FILTERS) {
      for (const value of [`ab${control}cd`, `${control}abc`, `abc${control}`]) {
        const query = new URLSearchParams({ [param]: value }).toString();
        const res = await s.req<Issues>('GET', `${route}?${query}`, { token: s.rootToken });
        expect(res.status, `${route}?${query}`).toBe(422);
        expectErrorBody(res.body, 'VALIDATION_ERROR', 422);
        expect(res.body.issues, `${route}?${query}`).toEqual([
          expect.objectContaining({
            path: [param],
            message:
              control === '\u0000'
                ? 'Must not contain NUL characters'
                : 'Must not contain control characters',
          }),
        ]);
      }
    }
  });

  it.each(CONTROLS)('refuses a %s with 422 naming the parameter, over tRPC', async (_name, control) => {
    for (const [procedure, param] of [
      ['admin.listUsers', 'q'],
      ['admin.listUsers', 'cursor'],
      ['admin.audit', 'action'],
      ['admin.audit', 'cursor'],
    ] as const) {
      const input = encodeURIComponent(JSON.stringify({ [param]: `x${control}y` }));
      const res = await s.req<{ error: { data: Issues & { code: string } } }>(
        'GET',
        `/trpc/${procedure}?input=${input}`,
        { token: s.rootToken },
      );
      expect(res.status, `${procedure} ${param}`).toBe(422);
      expect(res.body.error.data.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.data.issues.map((i) => i.path)).toEqual([[param]]);
    }
  });

  it('still takes printable text, other scripts and Unicode separators', async () => {
    for (const q of ['ada', 'Élodie', 'Σοφία', 'a\u2028b', 'a b']) {
      const res = await s.req('GET', `/admin/users?${new URLSearchParams({ q }).toString()}`, {
        token: s.rootToken,
      });
      expect(res.status, q).toBe(200);
    }
    const audit = await s.req('GET', '/admin/audit?action=user.created', { token: s.rootToken });
    expect(audit.status).toBe(200);
  });

  it('leaves the ordinary refusals as they were', async () => {
    const bad = await s.req<Issues>('GET', '/admin/users?cursor=not-a-cursor', { token: s.rootToken });
    expect(bad.status).toBe(422);
    expectErrorBody(bad.body, 'INVALID_CURSOR');
  });
});
