import { AuditEvent, MfaChallenge, RecoveryCode, TotpFactor } from '@roster/db';
import { freshTotpWindow, totpCode } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from '../context.js';
import {
  createHarness,
  errorCodeOf,
  PASSWORD,
  TEST_SETTINGS,
  type Account,
  type Harness,
} from '../test/harness.js';
import { seededAccount } from '../test/admin.js';
import { enrolTotp, passwordStep } from '../test/mfa.js';

let h: Harness;
let admin: Account;
beforeAll(async () => {
  h = await createHarness();
  admin = await seededAccount(h, 'mfa_admin');
});
afterAll(() => h.close());

describe('admins and second factors', () => {
  it('show mfa_enabled in account records and listings', async () => {
    const ann = await h.account('AnnListed');
    const plain = await h.account('PlainListed');
    await enrolTotp(h, ann);
    const as = h.caller(admin.token).admin;
    expect((await as.getUser({ id: ann.id })).mfa_enabled).toBe(true);
    expect((await as.getUser({ id: plain.id })).mfa_enabled).toBe(false);
    const page = await as.listUsers({ q: 'listed' });
    expect(Object.fromEntries(page.items.map((u) => [u.id, u.mfa_enabled]))).toEqual({
      [ann.id]: true,
      [plain.id]: false,
    });
    const updated = await as.updateUser({ id: ann.id, bio: 'Reset soon.' });
    expect(updated.mfa_enabled).toBe(true);
  });

  it('DELETE /admin/users/{id}/mfa removes every factor, ends the sessions and is audited', async () => {
    const bea = await h.account('BeaReset');
    await enrolTotp(h, bea);
    await passwordStep(h, bea.email);
    await h.caller(admin.token).admin.resetMfa({ id: bea.id });
    const em = h.db.orm.em.fork();
    expect(await em.count(TotpFactor, { userId: bea.id })).toBe(0);
    expect(await em.count(RecoveryCode, { userId: bea.id })).toBe(0);
    expect(await em.count(MfaChallenge, { userId: bea.id })).toBe(0);
    expect(await errorCodeOf(h.caller(bea.token).auth.me())).toBe('INVALID_TOKEN');
    const events = await em.find(AuditEvent, {
      targetId: bea.id,
      action: { $in: ['admin.mfa_reset', 'mfa.disabled'] },
    });
    expect(events.map((e) => [e.action, e.actorId, e.details])).toEqual(
      expect.arrayContaining([
        ['admin.mfa_reset', admin.id, { totp: true, passkeys: 0, recovery_codes: 10, sessions_ended: 1 }],
        ['mfa.disabled', admin.id, { method: 'totp', by: 'admin' }],
      ]),
    );
    // The owner logs in with the password alone again.
    const session = await h.caller().auth.login({ username: bea.email, password: PASSWORD });
    expect(session.user.id).toBe(bea.id);
    expect((await h.caller(admin.token).admin.getUser({ id: bea.id })).mfa_enabled).toBe(false);
  });

  it('is for admins only, and for accounts that exist', async () => {
    const cy = await h.account('CyNotAdmin');
    expect(await errorCodeOf(h.caller(cy.token).admin.resetMfa({ id: cy.id }))).toBe('FORBIDDEN');
    expect(await errorCodeOf(h.caller(admin.token).admin.resetMfa({ id: 999_999 }))).toBe('USER_NOT_FOUND');
  });
});

describe('REQUIRE_MFA_FOR_ADMINS', () => {
  it('refuses admin routes to an admin without a factor, whose enrolment stays open', async () => {
    const strict = createApiDeps(h.db.orm, { ...TEST_SETTINGS, mfa: { requireForAdmins: true } });
    const boss = await seededAccount(h, 'mfa_boss');
    const as = h.caller(boss.token, strict);
    expect(await errorCodeOf(as.admin.stats())).toBe('MFA_ENROLLMENT_REQUIRED');
    const setup = await as.auth.mfa.setupTotp({ password: PASSWORD }).catch(() => null);
    // Seeded accounts share one password hash of PASSWORD.
    expect(setup).not.toBeNull();
    await freshTotpWindow();
    await as.auth.mfa.confirmTotp({ code: totpCode(setup!.secret) });
    expect((await as.admin.stats()).admins).toBeGreaterThan(0);
    // Users are not concerned.
    const dot = await h.account('DotUser');
    expect((await h.caller(dot.token, strict).auth.me()).id).toBe(dot.id);
  });
});
