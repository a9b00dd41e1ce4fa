import { User } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../errors.js';
import {
  barrier,
  createHarness,
  registered,
  LockstepHasher,
  PASSWORD,
  TEST_SETTINGS,
  type Harness,
} from '../test/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('auth.register', () => {
  it('creates an account and answers with the full record, never the hash', async () => {
    const before = Date.now();
    const user = registered(
      await h.caller().auth.register({
        email: 'ada@example.com',
        username: 'Ada',
        password: PASSWORD,
        full_name: 'Ada Lovelace',
        bio: 'Analyst of engines.',
      }),
    );
    expect(user).toEqual({
      id: expect.any(Number),
      email: 'ada@example.com',
      username: 'Ada',
      full_name: 'Ada Lovelace',
      bio: 'Analyst of engines.',
      role: 'user',
      is_superuser: false,
      is_active: true,
      is_verified: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Date.parse(user.created_at)).toBeGreaterThanOrEqual(before - 1000);
    const row = await h.row(user.id);
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row?.passwordHash).not.toContain(PASSWORD);
    expect(row?.lastLoginAt).toBeNull();
  });

  it('leaves full_name and bio null when not given', async () => {
    const user = registered(
      await h.caller().auth.register({ email: 'plain@example.com', username: 'plain', password: PASSWORD }),
    );
    expect(user.full_name).toBeNull();
    expect(user.bio).toBeNull();
  });

  it('stores the email trimmed, NFC-normalized and lower-cased; keeps the username as typed', async () => {
    // 'E' + combining acute (NFD) must become the single code point 'é'.
    const user = registered(
      await h.caller().auth.register({
        email: '  Jose\u0301.E\u0301Lan@Example.COM \t',
        username: 'JoseE',
        password: PASSWORD,
      }),
    );
    expect(user.email).toBe('jos\u00e9.\u00e9lan@example.com');
    expect(user.username).toBe('JoseE');
    expect((await h.row(user.id))?.email).toBe('jos\u00e9.\u00e9lan@example.com');
  });

  it('refuses an email that is already registered, whatever its case or spacing', async () => {
    await h.caller().auth.register({ email: 'dup@example.com', username: 'dup1', password: PASSWORD });
    const again = h
      .caller()
      .auth.register({ email: ' DUP@example.com ', username: 'dup2', password: PASSWORD });
    await expect(again).rejects.toMatchObject({
      appCode: 'USER_ALREADY_EXISTS',
      message: 'Email already registered',
    });
  });

  it('refuses a username taken in another case', async () => {
    await h.caller().auth.register({ email: 'bob1@example.com', username: 'Bobby', password: PASSWORD });
    const again = h
      .caller()
      .auth.register({ email: 'bob2@example.com', username: 'bOBBY', password: PASSWORD });
    await expect(again).rejects.toMatchObject({
      appCode: 'USERNAME_TAKEN',
      message: 'Username already taken',
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['unknown keys', { email: 'x1@example.com', username: 'x1user', password: PASSWORD, role: 'admin' }],
    ['an invalid email', { email: 'not-an-email', username: 'x2user', password: PASSWORD }],
    ['a short password', { email: 'x3@example.com', username: 'x3user', password: 'short' }],
    ['a short username', { email: 'x4@example.com', username: 'xy', password: PASSWORD }],
    ['a username with spaces', { email: 'x5@example.com', username: 'has space', password: PASSWORD }],
    ['a missing password', { email: 'x6@example.com', username: 'x6user' }],
    ['a NUL in the email', { email: 'x7\u0000@example.com', username: 'x7user', password: PASSWORD }],
    [
      'a NUL in full_name',
      { email: 'x8@example.com', username: 'x8user', password: PASSWORD, full_name: 'A\u0000B' },
    ],
    ['a NUL in bio', { email: 'x9@example.com', username: 'x9user', password: PASSWORD, bio: '\u0000' }],
  ])('refuses %s with VALIDATION_ERROR and creates nothing', async (_label, input) => {
    const error = await h
      .caller()
      .auth.register(input as never)
      .catch((e: unknown) => e);
    const response = toErrorResponse(error);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('VALIDATION_ERROR');
    expect(response.body.issues?.length).toBeGreaterThan(0);
    expect(await h.db.orm.em.fork().count(User, { username: input.username as string })).toBe(0);
  });

  it('lets exactly one of several concurrent registrations of one email through', async () => {
    const attempts = await Promise.allSettled(
      [1, 2, 3, 4].map((i) =>
        h.caller().auth.register({ email: 'race@example.com', username: `racer${i}`, password: PASSWORD }),
      ),
    );
    const failed = attempts.flatMap((a) => (a.status === 'rejected' ? [toErrorResponse(a.reason)] : []));
    expect(attempts.length - failed.length).toBe(1);
    expect(failed.map((f) => f.status)).toEqual([409, 409, 409]);
    expect(await h.db.orm.em.fork().count(User, { email: 'race@example.com' })).toBe(1);
  });

  /** Registrations that all pass the pre-check, so every loser is stopped by the unique index itself. */
  async function lockstepRace(email: string, prefix: string) {
    const deps = { ...h.deps, passwords: new LockstepHasher(TEST_SETTINGS.argon2, barrier(3)) };
    const attempts = await Promise.allSettled(
      [1, 2, 3].map((i) =>
        h.caller(null, deps).auth.register({ email, username: `${prefix}${i}`, password: PASSWORD }),
      ),
    );
    const failed = attempts.flatMap((a) => (a.status === 'rejected' ? [toErrorResponse(a.reason)] : []));
    return { succeeded: attempts.length - failed.length, failed };
  }

  it('turns a clash at the unique index into a 409 and keeps one row', async () => {
    const { succeeded, failed } = await lockstepRace('race2@example.com', 'sprinter');
    expect(succeeded).toBe(1);
    expect(failed.map((f) => f.status)).toEqual([409, 409]);
    expect(await h.db.orm.em.fork().count(User, { email: 'race2@example.com' })).toBe(1);
    // The session is usable afterwards: the winner can log in.
    expect(
      (await h.caller().auth.login({ username: 'race2@example.com', password: PASSWORD })).user.email,
    ).toBe('race2@example.com');
  });

  it('turns a username clash at the unique index into USERNAME_TAKEN', async () => {
    const deps = { ...h.deps, passwords: new LockstepHasher(TEST_SETTINGS.argon2, barrier(2)) };
    const attempts = await Promise.allSettled([
      h
        .caller(null, deps)
        .auth.register({ email: 'twin1@example.com', username: 'Twin', password: PASSWORD }),
      h
        .caller(null, deps)
        .auth.register({ email: 'twin2@example.com', username: 'tWIN', password: PASSWORD }),
    ]);
    const failed = attempts.flatMap((a) => (a.status === 'rejected' ? [toErrorResponse(a.reason).body] : []));
    expect(failed).toEqual([{ detail: 'Username already taken', code: 'USERNAME_TAKEN' }]);
  });

  // Regression: the first version told the clash apart by grepping the driver's message, which quotes the
  // INSERT (and so always says "username"): an email clash came back as USERNAME_TAKEN.
  it('answers an email clash at the unique index with USER_ALREADY_EXISTS', async () => {
    const { succeeded, failed } = await lockstepRace('race3@example.com', 'dasher');
    expect(succeeded).toBe(1);
    expect(failed.map((f) => f.body)).toEqual(
      Array(2).fill({ detail: 'Email already registered', code: 'USER_ALREADY_EXISTS' }),
    );
  });
});
