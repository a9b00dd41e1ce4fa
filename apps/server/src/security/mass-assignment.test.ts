import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, type Session } from '../test/accounts.js';
import {
  expectUnchanged,
  observe,
  startTargetWithMallory,
  trpcCall,
  trpcError,
  type AdminSession,
} from '../test/security.js';

// Mass assignment: fields a client must never set (privilege, identity, secrets, bookkeeping) smuggled into
// registration, profile updates and admin writes, on REST and tRPC. Every one is 422 and nothing changes.

let target: AdminSession;
let mallory: Session;

beforeAll(async () => {
  ({ target, mallory } = await startTargetWithMallory());
});
afterAll(() => target.server.close());

const FORBIDDEN_FIELDS: [string, unknown][] = [
  ['role', 'admin'],
  ['is_active', true],
  ['is_superuser', true],
  ['isSuperuser', true],
  ['is_admin', true],
  ['id', 1],
  ['password_hash', '$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB'],
  ['passwordHash', 'x'],
  ['hashed_password', 'x'],
  ['created_at', '2000-01-01T00:00:00.000Z'],
  ['updated_at', '2000-01-01T00:00:00.000Z'],
  ['last_login_at', '2000-01-01T00:00:00.000Z'],
  ['version', 99],
  ['is_verified', true],
  ['email_verified', true],
  ['Role', 'admin'],
  ['user', { role: 'admin' }],
];
/** Fields only mass assignment could set on self-service routes (role and is_active are admin-only). */
const SELF_FORBIDDEN: [string, unknown][] = [...FORBIDDEN_FIELDS, ['password', 'new-password-123']];

describe('registration', () => {
  it.each(FORBIDDEN_FIELDS)('REST: %s is 422 and no account is created', async (key, value) => {
    const before = await observe(target);
    const account = newAccount('mass');
    const res = await target.req('POST', '/auth/register', { json: { ...account, [key]: value } });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR' });
    expectUnchanged(before, await observe(target));
    // The same account without the extra field is welcome: the refusal was for the field.
    expect((await target.req('POST', '/auth/register', { json: account })).status).toBe(201);
    const again = await target.req('POST', '/auth/login', {
      json: { username: account.email, password: account.password },
    });
    expect(again.body).toMatchObject({ user: { role: 'user', is_active: true } });
  });

  it.each(FORBIDDEN_FIELDS)('tRPC: %s is 422 and no account is created', async (key, value) => {
    const before = await observe(target);
    const res = await trpcCall(target.server, 'mutation', 'auth.register', {
      ...newAccount('mass'),
      [key]: value,
    });
    expect(trpcError(res.body)).toEqual({ code: 'VALIDATION_ERROR', httpStatus: 422 });
    expectUnchanged(before, await observe(target));
  });
});

describe('profile updates', () => {
  for (const method of ['PUT', 'PATCH'] as const) {
    it.each(SELF_FORBIDDEN)(`REST ${method} /users/me: %s is 422 and nothing changes`, async (key, value) => {
      const before = await observe(target);
      const res = await target.req(method, '/users/me', {
        token: mallory.token,
        json: { bio: 'harmless', [key]: value },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR' });
      expectUnchanged(before, await observe(target));
    });
  }

  it.each(SELF_FORBIDDEN)(
    'tRPC users.updateMe / patchMe: %s is 422 and nothing changes',
    async (key, value) => {
      const before = await observe(target);
      for (const path of ['users.updateMe', 'users.patchMe']) {
        const res = await trpcCall(
          target.server,
          'mutation',
          path,
          { bio: 'harmless', [key]: value },
          mallory.token,
        );
        expect(trpcError(res.body), path).toEqual({ code: 'VALIDATION_ERROR', httpStatus: 422 });
      }
      expectUnchanged(before, await observe(target));
    },
  );

  it('the old password still logs in and the account is still a plain user', async () => {
    const res = await target.req('POST', '/auth/login', {
      json: { username: mallory.account.username, password: mallory.account.password },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { role: 'user', is_superuser: false } });
  });
});

describe('admin writes', () => {
  const ADMIN_ONLY_FORBIDDEN = FORBIDDEN_FIELDS.filter(([k]) => k !== 'role' && k !== 'is_active');

  it.each(ADMIN_ONLY_FORBIDDEN)('POST /admin/users with %s is 422', async (key, value) => {
    const before = await observe(target);
    const res = await target.req('POST', '/admin/users', {
      token: target.rootToken,
      json: { ...newAccount('adm'), [key]: value },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expectUnchanged(before, await observe(target));
  });

  it.each(ADMIN_ONLY_FORBIDDEN.filter(([k]) => k !== 'id'))(
    'PATCH /admin/users/{id} with %s is 422',
    async (key, value) => {
      const before = await observe(target);
      const res = await target.req('PATCH', `/admin/users/${mallory.user.id}`, {
        token: target.rootToken,
        json: { bio: 'x', [key]: value },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expectUnchanged(before, await observe(target));
    },
  );

  it('PATCH /admin/users/{id} with another id in the body is refused or ignored, never applied to that id', async () => {
    const before = await observe(target);
    const res = await target.req('PATCH', `/admin/users/${mallory.user.id}`, {
      token: target.rootToken,
      json: { id: target.root.id, role: 'user' },
    });
    expect(res.status).toBeLessThan(500);
    const after = await observe(target);
    expect(after.users.find((u) => u.id === target.root.id)).toEqual(
      before.users.find((u) => u.id === target.root.id),
    );
  });
});
