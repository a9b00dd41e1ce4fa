import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type Session } from '../test/accounts.js';
import {
  expectSameTiming,
  startAttackTarget,
  timedAnswer,
  trpcCall,
  type AdminSession,
} from '../test/security.js';

// Account enumeration through LOGIN and FORGOT-PASSWORD: a known account and an unknown one answer with the same
// status, body and headers, and take the same time (an unknown login is verified against a decoy hash; the reset
// mail is sent after the response). Registration: see registration.test.ts (409 by default, quiet when
// REQUIRE_VERIFIED_EMAIL=true).

let target: AdminSession;
let known: Session;
let retired: Session;

beforeAll(async () => {
  target = await startAttackTarget();
  known = await registerAndLogin(target.server, 'known');
  retired = await registerAndLogin(target.server, 'retired');
  expect((await target.req('DELETE', '/users/me', { token: retired.token })).status).toBe(204);
});
afterAll(() => target.server.close());

const SAMPLES = 15;

const attempt = (username: string, password: string) =>
  timedAnswer(() => target.req('POST', '/auth/login', { form: { username, password } }));

describe('login does not tell known accounts from unknown ones', () => {
  it('same status, body and headers for: known email, known username, deactivated account, unknown ones', async () => {
    const cases = [
      await attempt(known.account.email, 'wrong-password'),
      await attempt(known.account.username, 'wrong-password'),
      await attempt(known.account.email.toUpperCase(), 'wrong-password'),
      await attempt(retired.account.email, 'wrong-password'),
      await attempt('nobody-at-all@example.com', 'wrong-password'),
      await attempt('nobody_at_all', 'wrong-password'),
    ];
    for (const c of cases) {
      expect(c.status).toBe(401);
      expect(c.body).toEqual(cases[0]!.body);
      expect(c.headers).toEqual(cases[0]!.headers);
    }
    expect(cases[0]!.body).toEqual({ detail: 'Incorrect email or password', code: 'INVALID_CREDENTIALS' });
  });

  it(`median times of ${SAMPLES} known-wrong-password and ${SAMPLES} unknown-account logins are within 20%`, async () => {
    // Warm up both paths (the decoy hash is made on first use).
    await attempt('warm-up-unknown@example.com', 'x');
    await attempt(known.account.email, 'x');
    // No decoy would show: an unknown account answering in a few ms, a known one after a ~20-50 ms hash.
    await expectSameTiming(
      async (i) => (await attempt(known.account.email, `wrong-${i}`)).ms,
      async (i) => (await attempt(`unknown-${i}@example.com`, `wrong-${i}`)).ms,
      SAMPLES,
    );
  });
});

const forgot = (email: string) =>
  timedAnswer(() => target.req('POST', '/auth/password/forgot', { json: { email } }));

describe('forgot-password does not tell known addresses from unknown ones', () => {
  it('same status, body and headers for: a known address (any case), a deactivated account, unknown ones', async () => {
    const cases = [
      await forgot(known.account.email),
      await forgot(known.account.email.toUpperCase()),
      await forgot(retired.account.email),
      await forgot('nobody-at-all@example.com'),
      await forgot('nobody.else@example.org'),
    ];
    for (const c of cases) {
      expect(c.status).toBe(202);
      expect(c.body).toEqual(cases[0]!.body);
      expect(c.headers).toEqual(cases[0]!.headers);
    }
    expect(cases[0]!.body).toEqual({
      detail: 'If the address belongs to an account, a reset link is on its way',
    });
  });

  it('the same on tRPC', async () => {
    const answers = await Promise.all(
      [known.account.email, 'nobody-at-all@example.com'].map((email) =>
        trpcCall(target.server, 'mutation', 'auth.forgotPassword', { email }),
      ),
    );
    for (const a of answers) expect(a.status).toBe(200);
    expect(answers[0]!.body).toEqual(answers[1]!.body);
  });

  it(`median times of ${SAMPLES * 2} known and ${SAMPLES * 2} unknown addresses are within 20%`, async () => {
    await forgot('warm-up@example.com');
    await forgot(known.account.email);
    // The answer comes before any lookup: both are a few ms, so more samples steady the medians.
    await expectSameTiming(
      async () => (await forgot(known.account.email)).ms,
      async (i) => (await forgot(`unknown-${i}@example.com`)).ms,
      SAMPLES * 2,
    );
  });
});
