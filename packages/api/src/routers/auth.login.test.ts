import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from '../context.js';
import {
  createHarness,
  registered,
  errorCodeOf,
  PASSWORD,
  TEST_SETTINGS,
  type Harness,
} from '../test/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('auth.login', () => {
  let carol: { id: number; email: string };
  beforeAll(async () => {
    const user = registered(
      await h.caller().auth.register({ email: 'carol@example.com', username: 'Carol', password: PASSWORD }),
    );
    carol = { id: user.id, email: user.email };
  });

  it('logs in by email and answers with a bearer token and the account', async () => {
    const result = await h.caller().auth.login({ username: 'carol@example.com', password: PASSWORD });
    expect(result.token_type).toBe('bearer');
    expect(result.expires_in).toBe(1800);
    expect(result.access_token.split('.')).toHaveLength(3);
    expect(result.user).toMatchObject({ id: carol.id, email: 'carol@example.com', username: 'Carol' });
    expect((await h.deps.tokens.verifyAccessToken(result.access_token)).userId).toBe(carol.id);
  });

  it('logs in by email in another case and with spaces around it', async () => {
    const result = await h.caller().auth.login({ username: '  CAROL@Example.com ', password: PASSWORD });
    expect(result.user.id).toBe(carol.id);
  });

  it('logs in by username, case-insensitively', async () => {
    for (const name of ['Carol', 'carol', 'CAROL']) {
      const result = await h.caller().auth.login({ username: name, password: PASSWORD });
      expect(result.user.id).toBe(carol.id);
    }
  });

  it('accepts `email` instead of `username`, and the OAuth2 form fields', async () => {
    const viaEmail = await h.caller().auth.login({ email: 'carol@example.com', password: PASSWORD });
    expect(viaEmail.user.id).toBe(carol.id);
    const oauth = await h.caller().auth.login({
      username: 'carol',
      password: PASSWORD,
      grant_type: 'password',
      scope: '',
      client_id: 'cli',
      client_secret: 'sec',
    });
    expect(oauth.user.id).toBe(carol.id);
  });

  it('requires username or email, without NUL characters', async () => {
    expect(await errorCodeOf(h.caller().auth.login({ password: PASSWORD }))).toBe('VALIDATION_ERROR');
    expect(await errorCodeOf(h.caller().auth.login({ username: 'carol\u0000', password: PASSWORD }))).toBe(
      'VALIDATION_ERROR',
    );
    expect(await errorCodeOf(h.caller().auth.login({ email: '\u0000', password: PASSWORD }))).toBe(
      'VALIDATION_ERROR',
    );
  });

  it('answers a wrong password and an unknown account alike', async () => {
    const wrong = await h
      .caller()
      .auth.login({ username: 'carol', password: 'wrong password' })
      .catch((e: Error) => e);
    const unknownName = await h
      .caller()
      .auth.login({ username: 'nobody', password: PASSWORD })
      .catch((e: Error) => e);
    const unknownMail = await h
      .caller()
      .auth.login({ username: 'no@example.com', password: PASSWORD })
      .catch((e: Error) => e);
    for (const error of [wrong, unknownName, unknownMail]) {
      expect(error).toMatchObject({
        appCode: 'INVALID_CREDENTIALS',
        status: 401,
        message: 'Incorrect email or password',
      });
    }
  });

  it('refuses an account whose stored hash is unreadable', async () => {
    const { id } = await h.account('Broken');
    await h.setColumns(id, { passwordHash: 'not-an-argon2-hash' });
    const error = await h
      .caller()
      .auth.login({ username: 'broken', password: PASSWORD })
      .catch((e: Error) => e);
    expect(error).toMatchObject({ appCode: 'INVALID_CREDENTIALS' });
  });

  it('refuses a deactivated account with the right password as ACCOUNT_DEACTIVATED, a wrong one as INVALID_CREDENTIALS', async () => {
    const { id } = await h.account('Dormant');
    await h.setColumns(id, { isActive: false });
    const right = h.caller().auth.login({ username: 'dormant', password: PASSWORD });
    await expect(right).rejects.toMatchObject({ appCode: 'ACCOUNT_DEACTIVATED', status: 403 });
    expect(await errorCodeOf(h.caller().auth.login({ username: 'dormant', password: 'nope-nope' }))).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('records last_login_at on success only', async () => {
    const { id } = await h.account('Timed');
    const first = (await h.row(id))?.lastLoginAt;
    expect(first).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 20));
    await h
      .caller()
      .auth.login({ username: 'timed', password: 'wrong password' })
      .catch(() => undefined);
    expect((await h.row(id))?.lastLoginAt?.getTime()).toBe(first?.getTime());
    await h.caller().auth.login({ username: 'timed', password: PASSWORD });
    expect((await h.row(id))?.lastLoginAt?.getTime()).toBeGreaterThan(first!.getTime());
  });

  it('rehashes the password when the argon2 parameters change, and the new hash still works', async () => {
    const { id } = await h.account('Rehash');
    const before = (await h.row(id))?.passwordHash;
    expect(before).toContain('t=2');
    const stronger = createApiDeps(h.db.orm, {
      ...TEST_SETTINGS,
      argon2: { ...TEST_SETTINGS.argon2, timeCost: 3 },
    });
    await h.caller(null, stronger).auth.login({ username: 'rehash', password: PASSWORD });
    const after = (await h.row(id))?.passwordHash;
    expect(after).not.toBe(before);
    expect(after).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    // Logging in again with the same parameters keeps the hash.
    await h.caller(null, stronger).auth.login({ username: 'rehash', password: PASSWORD });
    expect((await h.row(id))?.passwordHash).toBe(after);
    // And the original deps still verify it (verification reads the parameters from the hash).
    expect((await h.caller().auth.login({ username: 'rehash', password: PASSWORD })).user.id).toBe(id);
  });
});

describe('auth.me', () => {
  it('answers with the account behind the token', async () => {
    const dave = await h.account('Dave', { full_name: 'Dave D' });
    const me = await h.caller(dave.token).auth.me();
    expect(me).toMatchObject({
      id: dave.id,
      username: 'Dave',
      email: 'dave@example.com',
      full_name: 'Dave D',
    });
  });
});
