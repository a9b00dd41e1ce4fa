import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, type Session } from '../test/accounts.js';
import { qs } from '../test/admin.js';
import {
  expectClientOutcome,
  expectUnchanged,
  observe,
  startTargetWithMallory,
  trpcCall,
  trpcError,
  type AdminSession,
} from '../test/security.js';

// Injection: SQL metacharacters and query-operator objects in every string field and query parameter, and
// prototype-pollution payloads in JSON bodies, forms and query strings. Text is refused (422) or stored
// literally, never a 500; operator objects are 422; nothing pollutes later requests.

let target: AdminSession;
let mallory: Session;

beforeAll(async () => {
  ({ target, mallory } = await startTargetWithMallory());
});
afterAll(() => target.server.close());

const SQL = [
  "' OR '1'='1",
  "admin'--",
  '"; DROP TABLE users; --',
  "'; DELETE FROM users WHERE ''='",
  "' UNION SELECT password_hash, 1 FROM users --",
  '%',
  '_',
  '\\',
  "\\'",
  '$1',
  '?',
  ':name',
  '`users`',
  '/* */',
  "1' AND SLEEP(5)--",
  "'||(select pg_sleep(5))||'",
];
const OPERATORS: unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $regex: '.*' },
  { $in: [1] },
  [1, 2],
  true,
  1,
  null,
];

describe('SQL metacharacters', () => {
  it.each(SQL)('register with %j in every text field: 422 or stored literally', async (payload) => {
    const account = newAccount('sqli');
    const fields: Record<string, unknown>[] = [
      { ...account, email: `${payload}@example.com` },
      { ...account, email: `x@${payload}.com` },
      { ...account, username: payload },
      { ...account, password: `${payload}${payload}12345678`.slice(0, 128) },
      { ...account, full_name: payload, bio: payload },
    ];
    for (const json of fields) {
      const res = await target.req('POST', '/auth/register', { json });
      expectClientOutcome(res, JSON.stringify(json));
      expect([201, 409, 422]).toContain(res.status);
      if (res.status === 201 && 'full_name' in json) {
        expect(res.body).toMatchObject({ full_name: payload, bio: payload });
      }
    }
  });

  it.each(SQL)('login with %j as username, email or password: 401 or 422', async (payload) => {
    for (const json of [
      { username: payload, password: 'whatever-pass' },
      { email: payload, password: 'whatever-pass' },
      { username: mallory.account.username, password: payload },
      { username: `${mallory.account.email}${payload}`, password: mallory.account.password },
    ]) {
      const res = await target.req('POST', '/auth/login', { json });
      expectClientOutcome(res);
      expect([401, 422], JSON.stringify(json)).toContain(res.status);
    }
    const form = await target.req('POST', '/auth/login', {
      form: { username: payload, password: payload },
    });
    expect([401, 422]).toContain(form.status);
  });

  it.each(SQL)('profile update with %j: stored literally or 422, and read back as sent', async (payload) => {
    const res = await target.req('PATCH', '/users/me', {
      token: mallory.token,
      json: { full_name: payload, bio: payload },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ full_name: payload, bio: payload });
    const name = await target.req('PATCH', '/users/me', {
      token: mallory.token,
      json: { username: payload },
    });
    expect(name.status).toBe(422);
    const me = await target.req('GET', '/auth/me', { token: mallory.token });
    expect(me.body).toMatchObject({ full_name: payload, bio: payload });
  });

  it.each(SQL)(
    '%j in every query parameter and path id: never a 500, and the search is literal',
    async (payload) => {
      const admin = target.rootToken;
      const urls: [string, string][] = [
        ...[
          'q',
          'role',
          'is_active',
          'created_after',
          'created_before',
          'sort',
          'order',
          'limit',
          'cursor',
        ].map((k): [string, string] => [`/admin/users${qs({ [k]: payload })}`, admin]),
        ...['actor_id', 'target_id', 'action', 'since', 'until', 'limit', 'cursor'].map(
          (k): [string, string] => [`/admin/audit${qs({ [k]: payload })}`, admin],
        ),
        ...['skip', 'limit', 'active_only'].map((k): [string, string] => [
          `/users${qs({ [k]: payload })}`,
          admin,
        ]),
        [`/users/${encodeURIComponent(payload)}`, mallory.token],
        [`/admin/users/${encodeURIComponent(payload)}`, admin],
      ];
      for (const [url, token] of urls) {
        const res = await target.req('GET', url, { token });
        expectClientOutcome(res, url);
      }
      // q is a literal, case-insensitive substring: the metacharacters match only accounts containing them.
      const res = await target.req<{
        items: { full_name: string | null; username: string; email: string }[];
      }>('GET', `/admin/users${qs({ q: payload, limit: 100 })}`, { token: admin });
      if (res.status === 200) {
        for (const u of res.body.items) {
          const hay = [u.email, u.username.toLowerCase(), (u.full_name ?? '').toLowerCase()].join('\n');
          expect(hay).toContain(payload.trim().toLowerCase());
        }
      }
    },
  );

  it('the users table survived all of the above, and logins still work', async () => {
    const res = await target.req('POST', '/auth/login', {
      json: { username: mallory.account.email, password: mallory.account.password },
    });
    expect(res.status).toBe(200);
    expect((await observe(target)).users.length).toBeGreaterThan(2);
  });
});

describe('operator objects and wrong types', () => {
  it.each(OPERATORS.map((o) => [JSON.stringify(o), o]))(
    '%s in every field of login, register and profile update is 422',
    async (_label, op) => {
      const before = await observe(target);
      const account = newAccount('op');
      const bodies: [string, string, Record<string, unknown>, string?][] = [
        ['POST', '/auth/login', { username: op, password: op }],
        ['POST', '/auth/login', { username: mallory.account.username, password: op }],
        ['POST', '/auth/login', { email: op, password: 'x' }],
        ...(['email', 'username', 'password', 'full_name', 'bio'] as const)
          .filter((k) => !(op === null && (k === 'full_name' || k === 'bio')))
          .map((k): [string, string, Record<string, unknown>] => [
            'POST',
            '/auth/register',
            { ...account, [k]: op },
          ]),
        ...(['email', 'username', 'full_name', 'bio'] as const)
          .filter((k) => !(op === null && (k === 'full_name' || k === 'bio')))
          .map((k): [string, string, Record<string, unknown>, string] => [
            'PATCH',
            '/users/me',
            { [k]: op },
            mallory.token,
          ]),
      ];
      for (const [method, path, json, token] of bodies) {
        const res = await target.req(method, path, { json, token });
        expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(422);
        expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR' });
      }
      if (op !== 1) {
        const rpc = await trpcCall(target.server, 'query', 'users.byId', { id: op }, mallory.token);
        expect(trpcError(rpc.body), JSON.stringify(rpc.body)).toEqual({
          code: 'VALIDATION_ERROR',
          httpStatus: 422,
        });
      }
      const login = await trpcCall(target.server, 'mutation', 'auth.login', { username: op, password: op });
      expect(trpcError(login.body)).toEqual({ code: 'VALIDATION_ERROR', httpStatus: 422 });
      // Login bookkeeping aside (none happened: every attempt was refused before a lookup), nothing moved.
      expectUnchanged(before, await observe(target));
    },
  );

  it('bracketed operator keys in query strings and forms are 422, never an operator', async () => {
    for (const url of [
      '/users?limit[$gt]=0',
      '/users?skip[$ne]=1',
      '/admin/users?q[$ne]=x',
      '/admin/users?role[$ne]=user',
      '/admin/users?is_active[$ne]=true',
      '/admin/audit?actor_id[$gt]=0',
      '/admin/users?sort[0]=email&sort[1]=id',
      '/admin/users?limit=1&limit=2',
    ]) {
      const res = await target.req('GET', url, { token: target.rootToken });
      expect(res.status, url).toBe(422);
    }
    const form = await target.req('POST', '/auth/login', {
      body: 'username[$ne]=x&password[$ne]=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(422);
  });
});

describe('type confusion between the REST and tRPC surfaces', () => {
  it('a REST call never loosens tRPC validation: {"id": true} stays 422 after GET /users/{id}', async () => {
    expect((await target.req('GET', `/users/${target.root.id}`, { token: mallory.token })).status).toBe(200);
    expect((await target.req('GET', '/users?limit=5&skip=0', { token: mallory.token })).status).toBe(200);
    expect(
      (await target.req('GET', '/admin/audit?limit=5&actor_id=1', { token: target.rootToken })).status,
    ).toBe(200);
    for (const id of [true, '1', [1], '', null, ' 1 ']) {
      const res = await trpcCall(target.server, 'query', 'users.byId', { id }, mallory.token);
      expect(trpcError(res.body), JSON.stringify(id)).toEqual({ code: 'VALIDATION_ERROR', httpStatus: 422 });
    }
    for (const input of [{ limit: '5' }, { skip: true }, { limit: [5] }]) {
      const res = await trpcCall(target.server, 'query', 'users.list', input, mallory.token);
      expect(trpcError(res.body), JSON.stringify(input)).toEqual({
        code: 'VALIDATION_ERROR',
        httpStatus: 422,
      });
    }
    const audit = await trpcCall(target.server, 'query', 'admin.audit', { actor_id: '1' }, target.rootToken);
    expect(trpcError(audit.body)).toEqual({ code: 'VALIDATION_ERROR', httpStatus: 422 });
  });

  it('REST numbers in paths and query strings are canonical decimals only', async () => {
    for (const path of [
      '/users/0x1',
      '/users/1e0',
      '/users/+1',
      '/users/01',
      '/users/1.0',
      '/users/%201',
      '/users/1%20',
    ]) {
      const res = await target.req('GET', path, { token: mallory.token });
      expect(res.status, path).toBe(422);
    }
    for (const query of ['limit=0x10', 'limit=1e1', 'limit=+5', 'limit=05', 'skip=', 'limit=%205']) {
      const res = await target.req('GET', `/users?${query}`, { token: mallory.token });
      expect(res.status, query).toBe(422);
    }
    expect((await target.req('GET', `/users/${target.root.id}`, { token: mallory.token })).status).toBe(200);
    expect((await target.req('GET', '/users?limit=10&skip=0', { token: mallory.token })).status).toBe(200);
    const del = await target.req('DELETE', '/admin/users/0x7fffffff', { token: target.rootToken });
    expect(del.status).toBe(422);
  });
});

describe('prototype pollution', () => {
  const POLLUTERS: Record<string, unknown>[] = [
    JSON.parse('{"__proto__": {"role": "admin", "is_active": false, "isActive": false}}') as Record<
      string,
      unknown
    >,
    { constructor: { prototype: { role: 'admin', is_active: false } } },
    JSON.parse('{"__proto__": {"__proto__": {"role": "admin"}}}') as Record<string, unknown>,
  ];

  /** After an attempt: a fresh registration is a plain active user, and a regular account is still refused admin. */
  async function expectNotPolluted(): Promise<void> {
    const res = await target.req('POST', '/auth/register', { json: newAccount('fresh') });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'user', is_superuser: false, is_active: true });
    expect((await target.req('GET', '/admin/stats', { token: mallory.token })).status).toBe(403);
    const other = await target.req<Record<string, unknown>>('GET', `/users/${target.root.id}`, {
      token: mallory.token,
    });
    expect(Object.keys(other.body)).not.toContain('email');
    const created = await target.req('POST', '/admin/users', {
      token: target.rootToken,
      json: newAccount('made'),
    });
    expect(created.body).toMatchObject({ role: 'user', is_active: true });
  }

  it.each(POLLUTERS.map((p, i) => [i, p]))(
    'JSON bodies #%i: refused or inert, in this and later requests',
    async (_i, polluter) => {
      const texts = [{ ...newAccount('pp'), ...polluter }, polluter];
      for (const json of texts) {
        for (const [method, path, token] of [
          ['POST', '/auth/register', undefined],
          ['POST', '/auth/login', undefined],
          ['PATCH', '/users/me', mallory.token],
          ['PUT', '/users/me', mallory.token],
          ['POST', '/admin/users', target.rootToken],
          ['PATCH', `/admin/users/${mallory.user.id}`, target.rootToken],
        ] as const) {
          // Send the raw text: JSON.stringify would drop an own __proto__ key made by JSON.parse? No: it keeps it.
          const body = JSON.stringify(json);
          const res = await target.req(method, path, {
            body,
            token,
            headers: { 'content-type': 'application/json' },
          });
          expectClientOutcome(res, `${method} ${path} ${body}`);
          if (res.status < 300 && res.body && typeof res.body === 'object' && 'role' in res.body) {
            expect(res.body).toMatchObject({ role: 'user' });
          }
        }
        const rpc = await trpcCall(target.server, 'mutation', 'users.patchMe', json, mallory.token);
        expect(rpc.status).toBeLessThan(500);
      }
      await expectNotPolluted();
    },
  );

  it('query strings and forms: refused or inert, in this and later requests', async () => {
    for (const url of [
      '/users?__proto__[role]=admin',
      '/users?__proto__.role=admin',
      '/users?constructor[prototype][role]=admin',
      '/users?constructor.prototype.role=admin',
      '/admin/users?__proto__[role]=admin',
      `/trpc/users.list?input=${encodeURIComponent('{"__proto__":{"role":"admin"}}')}`,
      `/trpc/users.byId?input=${encodeURIComponent(`{"id":1,"constructor":{"prototype":{"role":"admin"}}}`)}`,
    ]) {
      const res = await target.req('GET', url, { token: mallory.token });
      expectClientOutcome(res, url);
    }
    for (const body of [
      '__proto__[role]=admin&username=x&password=y',
      'constructor[prototype][role]=admin&username=x&password=y',
      '__proto__.role=admin&username=x&password=y',
    ]) {
      const res = await target.req('POST', '/auth/login', {
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectClientOutcome(res, body);
    }
    await expectNotPolluted();
  });
});
