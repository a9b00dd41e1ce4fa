import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from '../test/harness.js';

// The original spec's own tests (tests/test_api/test_auth.py and tests/test_integration/test_user_flow.py), over
// HTTP against a started server. Where an issue changed the contract the expectation follows the issue:
// a duplicate email is 409 (not 400) and a deactivated account's login is 403 (not 400).
let server: TestServer;
const req = <T = Record<string, unknown>>(
  ...args: Parameters<typeof http> extends [unknown, ...infer R] ? R : never
) => http<T>(server.url, ...args);

beforeAll(async () => {
  server = await startTestServer();
  const created = await req('POST', '/auth/register', {
    json: {
      email: 'test@example.com',
      username: 'testuser',
      full_name: 'Test User',
      password: 'testpassword123',
    },
  });
  expect(created.status).toBe(201);
});
afterAll(() => server.close());

async function authHeaders() {
  const res = await req<{ access_token: string }>('POST', '/auth/login', {
    form: { username: 'test@example.com', password: 'testpassword123' },
  });
  return res.body.access_token;
}

describe('original spec: auth', () => {
  it('registers a user', async () => {
    const res = await req('POST', '/auth/register', {
      json: {
        email: 'newuser@example.com',
        username: 'newuser',
        full_name: 'New User',
        password: 'newpassword123',
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: 'newuser@example.com',
      username: 'newuser',
      full_name: 'New User',
    });
    expect(res.body).toHaveProperty('id');
    expect(res.body).toHaveProperty('created_at');
    expect(res.body).not.toHaveProperty('hashed_password');
    expect(JSON.stringify(res.body)).not.toContain('argon2');
  });

  it('refuses a duplicate email with 409', async () => {
    const res = await req<{ detail: string; code: string }>('POST', '/auth/register', {
      json: { email: 'test@example.com', username: 'differentuser', password: 'password123' },
    });
    expect(res.status).toBe(409);
    expect(res.body.detail.toLowerCase()).toContain('already');
    expect(res.body.code).toBe('USER_ALREADY_EXISTS');
  });

  it('refuses an invalid email with 422', async () => {
    const res = await req('POST', '/auth/register', {
      json: { email: 'invalid-email', username: 'testuser2', password: 'password123' },
    });
    expect(res.status).toBe(422);
  });

  it('refuses a weak password with 422', async () => {
    const res = await req('POST', '/auth/register', {
      json: { email: 'weak@example.com', username: 'weakuser', password: 'weak' },
    });
    expect(res.status).toBe(422);
  });

  it('logs in with the OAuth2 form', async () => {
    const res = await req<Record<string, unknown> & { user: { email: string } }>('POST', '/auth/login', {
      form: { username: 'test@example.com', password: 'testpassword123' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('access_token');
    expect(res.body.token_type).toBe('bearer');
    expect(res.body).toHaveProperty('expires_in');
    expect(res.body.user.email).toBe('test@example.com');
  });

  it('refuses a wrong password with 401', async () => {
    const res = await req<{ detail: string }>('POST', '/auth/login', {
      form: { username: 'test@example.com', password: 'wrongpassword' },
    });
    expect(res.status).toBe(401);
    expect(res.body.detail.toLowerCase()).toContain('incorrect');
  });

  it('refuses an unknown user with 401', async () => {
    const res = await req('POST', '/auth/login', {
      form: { username: 'nonexistent@example.com', password: 'password123' },
    });
    expect(res.status).toBe(401);
  });

  it('answers /auth/me with a valid token', async () => {
    const res = await req('GET', '/auth/me', { token: await authHeaders() });
    expect(res.status).toBe(200);
    for (const key of ['email', 'username', 'id', 'is_active']) expect(res.body).toHaveProperty(key);
  });

  it('refuses /auth/me with an invalid token', async () => {
    const res = await req('GET', '/auth/me', { headers: { authorization: 'Bearer invalid_token' } });
    expect(res.status).toBe(401);
  });

  it('refuses /auth/me without a token', async () => {
    const res = await req('GET', '/auth/me');
    expect(res.status).toBe(401);
  });
});

describe('original spec: user flow', () => {
  it('register → login → me → update → get by id → list → deactivate → login refused', async () => {
    const user = {
      email: 'flowtest@example.com',
      username: 'flowtest',
      full_name: 'Flow Test User',
      password: 'flowpassword123',
    };
    const registered = await req<{ id: number }>('POST', '/auth/register', { json: user });
    expect(registered.status).toBe(201);
    const userId = registered.body.id;

    const login = await req<{ access_token: string }>('POST', '/auth/login', {
      form: { username: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
    const token = login.body.access_token;

    const me = await req<{ email: string }>('GET', '/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);

    const update = { full_name: 'Updated Flow Test User', bio: 'This is my updated bio' };
    const updated = await req<typeof update>('PUT', '/users/me', { json: update, token });
    expect(updated.status).toBe(200);
    expect(updated.body.full_name).toBe(update.full_name);
    expect(updated.body.bio).toBe(update.bio);

    const byId = await req<{ full_name: string }>('GET', `/users/${userId}`, { token });
    expect(byId.status).toBe(200);
    expect(byId.body.full_name).toBe(update.full_name);

    const list = await req<{ id: number }[]>('GET', '/users/', { token });
    expect(list.status).toBe(200);
    expect(list.body.length).toBeGreaterThanOrEqual(1);
    expect(list.body.some((u) => u.id === userId)).toBe(true);

    const deactivated = await req('DELETE', '/users/me', { token });
    expect(deactivated.status).toBe(204);

    const again = await req('POST', '/auth/login', {
      form: { username: user.email, password: user.password },
    });
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ detail: 'Account is deactivated', code: 'ACCOUNT_DEACTIVATED' });

    const stale = await req('GET', '/auth/me', { token });
    expect(stale.status).toBe(401);
  });

  it('reports validation errors with 422', async () => {
    for (const body of [
      { email: 'not-an-email', username: 'testuser', password: 'password123' },
      { email: 'test@example.com', username: 'testuser', password: 'short' },
      { email: 'test@example.com', username: 'ab', password: 'password123' },
    ]) {
      const res = await req('POST', '/auth/register', { json: body });
      expect(res.status).toBe(422);
    }
  });
});
