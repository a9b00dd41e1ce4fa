import { AuditEvent, Passkey } from '@roster/db';
import { SoftAuthenticator } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps, createContextInner } from '../context.js';
import { toErrorResponse } from '../errors.js';
import { rateLimitTable } from '../ratelimit/rules.js';
import { RateLimits } from '../ratelimit/service.js';
import { createCaller } from '../root.js';
import { createHarness, errorCodeOf, PASSWORD, TEST_SETTINGS, type Harness } from '../test/harness.js';
import { registerPasskey } from '../test/mfa.js';

// Deleting a passkey removes a factor: like turning the authenticator app off, it needs the current password,
// whose wrong guesses count in the re-authentication limits.

const ORIGIN = 'https://roster.example';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ ...TEST_SETTINGS, publicUrl: ORIGIN });
});
afterAll(() => h.close());

const passkeysOf = (userId: number) => h.db.orm.em.fork().count(Passkey, { userId });

describe('auth.passkeys.remove', () => {
  it('needs the current password: a wrong one is WRONG_PASSWORD and deletes nothing', async () => {
    const ada = await h.account('AdaRemove');
    const id = await registerPasskey(h, ada, new SoftAuthenticator(ORIGIN));
    const me = h.caller(ada.token).auth.passkeys;
    expect(await errorCodeOf(me.remove({ id, password: 'not my password' }))).toBe('WRONG_PASSWORD');
    expect(await passkeysOf(ada.id)).toBe(1);
    expect(await h.db.orm.em.fork().count(AuditEvent, { targetId: ada.id, action: 'passkey.deleted' })).toBe(
      0,
    );
    // Without one, the input is refused before anything is looked at.
    const missing = me.remove({ id } as unknown as { id: number; password: string });
    expect(await errorCodeOf(missing)).toBe('VALIDATION_ERROR');
    await me.remove({ id, password: PASSWORD });
    expect(await passkeysOf(ada.id)).toBe(0);
  });

  it('checks the password before it says whether the passkey exists', async () => {
    const bo = await h.account('BoRemove');
    const eve = await h.account('EveRemove');
    const id = await registerPasskey(h, bo, new SoftAuthenticator(ORIGIN));
    const theirs = h.caller(eve.token).auth.passkeys;
    expect(await errorCodeOf(theirs.remove({ id, password: 'a guess' }))).toBe('WRONG_PASSWORD');
    expect(await errorCodeOf(theirs.remove({ id, password: PASSWORD }))).toBe('PASSKEY_NOT_FOUND');
    expect(await errorCodeOf(theirs.remove({ id: 2_000_000, password: PASSWORD }))).toBe('PASSKEY_NOT_FOUND');
    expect(await passkeysOf(bo.id)).toBe(1);
  });

  it('counts wrong passwords with the other re-checks: past the limit, 429 even for the right one', async () => {
    const deps = createApiDeps(h.db.orm, h.deps.settings, {
      rateLimits: RateLimits.create(rateLimitTable('reauth.account_failures=2/15m')),
    });
    const cy = await h.account('CyRemove');
    const id = await registerPasskey(h, cy, new SoftAuthenticator(ORIGIN));
    const thief = createCaller(
      createContextInner({ deps, ip: '203.0.113.80', authorization: `Bearer ${cy.token}` }),
    );
    // A password change's wrong guess and a deletion's count in the same counter.
    expect(
      await errorCodeOf(
        thief.auth.changePassword({ current_password: 'guess one', new_password: 'a stolen password' }),
      ),
    ).toBe('WRONG_PASSWORD');
    expect(await errorCodeOf(thief.auth.passkeys.remove({ id, password: 'guess two' }))).toBe(
      'WRONG_PASSWORD',
    );
    const refused = await thief.auth.passkeys.remove({ id, password: PASSWORD }).then(
      () => expect.unreachable('admitted'),
      (e: unknown) => toErrorResponse(e),
    );
    expect(refused).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(refused.headers['Retry-After'])).toBeGreaterThan(0);
    expect(await passkeysOf(cy.id)).toBe(1);
  });
});
