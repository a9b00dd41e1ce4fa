import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  sdk,
  sdkFailure,
  startWithRoot,
  type AdminSession,
  type AdminUser,
} from '../test/admin.js';

// JSON bodies keep their types: trpc-to-openapi coerces query strings, and (patched) nothing else. Without the
// patch `{"is_active": "false"}` became `true`, and the coercion leaked into the tRPC surface for good.
let s: AdminSession;

beforeAll(async () => {
  s = await startWithRoot();
});
afterAll(() => s.server.close());

describe('body types are not coerced', () => {
  it.each([['false'], [0], [''], [null], ['true']])(
    'PATCH is_active %j → 422, nothing changes',
    async (value) => {
      const { user } = await createUser(s.server, s.rootToken, 'typed');
      const res = await s.req('PATCH', `/admin/users/${user.id}`, {
        token: s.rootToken,
        json: { is_active: value },
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', issues: [{ path: ['is_active'] }] });
      const after = await s.req<AdminUser>('GET', `/admin/users/${user.id}`, { token: s.rootToken });
      expect(after.body).toMatchObject({ is_active: true, version: user.version });
    },
  );

  it('POST /admin/users with is_active "false" is 422, not an active account', async () => {
    const res = await s.req('POST', '/admin/users', {
      token: s.rootToken,
      json: { email: 'str@example.com', username: 'strbool', password: 'password123', is_active: 'false' },
    });
    expect(res.status).toBe(422);
  });

  it('after REST traffic the tRPC surface still refuses a string for a boolean', async () => {
    const { user } = await createUser(s.server, s.rootToken, 'trpcstr');
    await s.req('PATCH', `/admin/users/${user.id}`, { token: s.rootToken, json: { is_active: 'false' } });
    const client = sdk(s.server, s.rootToken);
    const failure = await sdkFailure(
      client.admin.updateUser.mutate({ id: user.id, is_active: 'false' as unknown as boolean }),
    );
    expect(failure).toMatchObject({ code: 'VALIDATION_ERROR', status: 422 });
  });

  it('query strings are still coerced: limit=2 and is_active=false work over REST', async () => {
    const res = await s.req<{ items: unknown[] }>('GET', '/admin/users?limit=2&is_active=true', {
      token: s.rootToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(2);
  });
});
