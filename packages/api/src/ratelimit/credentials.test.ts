import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps, createContextInner, type ApiDeps } from '../context.js';
import { toErrorResponse } from '../errors.js';
import type { ApiEvent } from '../events.js';
import { createCaller } from '../root.js';
import { createHarness, errorCodeOf, PASSWORD, type Harness } from '../test/harness.js';
import { rateLimitTable } from './rules.js';
import { RateLimits } from './service.js';

// Every password check is counted: logins per account (by its id) and IP, and every check of a signed-in
// caller's password (password change, email change) in re-authentication counters of their own.
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

function limitedDeps(overrides: string) {
  const events: ApiEvent[] = [];
  const deps: ApiDeps = createApiDeps(h.db.orm, h.deps.settings, {
    rateLimits: RateLimits.create(rateLimitTable(overrides)),
    events: { emit: (e) => events.push(e) },
  });
  return { deps, events };
}

const from = (deps: ApiDeps, ip: string, token?: string) =>
  createCaller(createContextInner({ deps, ip, authorization: token ? `Bearer ${token}` : null }));

describe('login limits', () => {
  it('count an account once, whether it is named by its email or its username', async () => {
    const { deps } = limitedDeps('login.account_ip_failures=4/1h');
    const owner = await h.account('Named');
    const attacker = from(deps, '203.0.113.50');
    const names = [
      owner.email,
      owner.username,
      owner.email.toUpperCase(),
      ` ${owner.username.toUpperCase()} `,
    ];
    for (const username of names) {
      expect(await errorCodeOf(attacker.auth.login({ username, password: 'wrong guess' }))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    for (const username of [owner.email, owner.username]) {
      expect(await errorCodeOf(attacker.auth.login({ username, password: PASSWORD }))).toBe('RATE_LIMITED');
    }
    // Unknown names are still counted, by the name given.
    for (let i = 0; i < 4; i++) await errorCodeOf(attacker.auth.login({ username: 'nobody', password: 'x' }));
    expect(await errorCodeOf(attacker.auth.login({ username: 'NOBODY', password: 'x' }))).toBe(
      'RATE_LIMITED',
    );
  });
});

describe('re-authentication limits', () => {
  const TABLE = 'reauth.account_failures=3/15m,reauth.ip_failures=5/15m';

  it('stop a token guessing the current password, without locking the owner out of login', async () => {
    const { deps, events } = limitedDeps(TABLE);
    const victim = await h.account('Victim');
    const thief = from(deps, '203.0.113.60', victim.token);
    const change = (current: string) =>
      thief.auth.changePassword({ current_password: current, new_password: 'stolen new password' });
    // Password change and email change count in the same counter.
    expect(await errorCodeOf(change('guess one'))).toBe('WRONG_PASSWORD');
    expect(await errorCodeOf(change('guess two'))).toBe('WRONG_PASSWORD');
    expect(
      await errorCodeOf(thief.users.patchMe({ email: 'thief@example.com', current_password: 'guess three' })),
    ).toBe('WRONG_PASSWORD');
    const refused = await change(PASSWORD).then(
      () => expect.unreachable('admitted'),
      (e: unknown) => toErrorResponse(e),
    );
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(800);
    expect(events).toContainEqual({ type: 'rate_limited', procedure: 'reauth' });
    // Nothing changed, and the owner still logs in, from the same IP too.
    expect((await h.caller(victim.token).auth.me()).email).toBe(victim.email);
    await from(deps, '203.0.113.60').auth.login({ username: victim.email, password: PASSWORD });
    await from(deps, '198.51.100.60').auth.login({ username: victim.username, password: PASSWORD });
  });

  it('count per IP across accounts, refund what was not a wrong password, and let the right one through', async () => {
    const { deps } = limitedDeps(TABLE);
    const accounts = await Promise.all(['Ann', 'Bob', 'Cid'].map((name) => h.account(`${name}Ip`)));
    const ip = '203.0.113.70';
    // A right password is not a failure: the owner changes theirs as often as they like.
    const ann = from(deps, ip, accounts[0]!.token);
    for (let i = 0; i < 4; i++) {
      await ann.users.patchMe({ email: `ann${i}@example.com`, current_password: PASSWORD });
    }
    for (const [i, account] of accounts.entries()) {
      const caller = from(deps, ip, account.token);
      const tries = i === 2 ? 1 : 2;
      for (let n = 0; n < tries; n++) {
        expect(
          await errorCodeOf(
            caller.auth.changePassword({ current_password: 'nope', new_password: 'new password 1' }),
          ),
        ).toBe('WRONG_PASSWORD');
      }
    }
    // Five failures from one IP: its next check waits, whoever the account.
    const cid = from(deps, ip, accounts[2]!.token);
    expect(
      await errorCodeOf(
        cid.auth.changePassword({ current_password: PASSWORD, new_password: 'new password 1' }),
      ),
    ).toBe('RATE_LIMITED');
    // From elsewhere the same account goes on.
    await from(deps, '198.51.100.70', accounts[2]!.token).auth.changePassword({
      current_password: PASSWORD,
      new_password: 'new password 1',
    });
  });

  it('are off when rate limiting is', async () => {
    const victim = await h.account('Unlimited');
    for (let i = 0; i < 12; i++) {
      expect(
        await errorCodeOf(
          h
            .caller(victim.token)
            .auth.changePassword({ current_password: 'no', new_password: 'new password 2' }),
        ),
      ).toBe('WRONG_PASSWORD');
    }
  });
});
