import { ActionToken } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from '../context.js';
import { auditRows } from '../test/admin.js';
import { createHarness, errorCodeOf, Inbox, PASSWORD, TEST_SETTINGS, type Harness } from '../test/harness.js';
import { hashToken } from './secrets.js';

const inbox = new Inbox();
let h: Harness;
beforeAll(async () => {
  h = await createHarness(TEST_SETTINGS, { mailer: inbox });
});
afterAll(() => h.close());

async function requestLink(token: string, email: string): Promise<string> {
  await expect(h.caller(token).auth.requestVerification()).resolves.toEqual({
    detail: 'Verification link sent',
  });
  return inbox.tokenFor(email);
}

describe('email verification', () => {
  it('mails a link with #token= to the current address; verifyEmail marks it verified', async () => {
    const a = await h.account('Vera');
    expect((await h.caller(a.token).auth.me()).is_verified).toBe(false);
    const token = await requestLink(a.token, a.email);
    const mail = inbox.to(a.email).at(-1)!;
    expect(mail.subject).toBe('Confirm your email address');
    // No publicUrl configured: links point at the development default.
    expect(mail.text).toContain(`http://localhost:8000/verify-email#token=${token}\n`);
    expect(mail.text).toContain('24 hours');
    const row = await h.db.orm.em.fork().findOneOrFail(ActionToken, { tokenHash: hashToken(token) });
    expect(row).toMatchObject({ userId: a.id, purpose: 'email_verification', email: a.email });
    const ttl = row.expiresAt.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(23.9 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3_600_000);

    const user = await h.caller().auth.verifyEmail({ token });
    expect(user).toMatchObject({ id: a.id, is_verified: true });
    const stored = (await h.row(a.id))!;
    expect(stored.isVerified).toBe(true);
    expect((await h.caller(a.token).auth.me()).is_verified).toBe(true);
    expect(await auditRows(h, { action: 'user.email_verified', targetId: a.id })).toHaveLength(1);
    // Single use.
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token }))).toBe('INVALID_OR_EXPIRED_TOKEN');
  });

  it('sends nothing once the address is verified', async () => {
    const a = await h.account('Done');
    await h.caller().auth.verifyEmail({ token: await requestLink(a.token, a.email) });
    const before = inbox.to(a.email).length;
    await h.caller(a.token).auth.requestVerification();
    expect(inbox.to(a.email)).toHaveLength(before);
  });

  it('a second link works and spends the first; the account stays verified', async () => {
    const a = await h.account('Twice');
    const first = await requestLink(a.token, a.email);
    const second = await requestLink(a.token, a.email);
    expect(second).not.toBe(first);
    await h.caller().auth.verifyEmail({ token: second });
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token: first }))).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect((await h.row(a.id))!.isVerified).toBe(true);
  });

  it('a link is void once the email changed, and the new address is unverified', async () => {
    const a = await h.account('Shift');
    const oldLink = await requestLink(a.token, a.email);
    await h.caller(a.token).users.updateMe({ email: 'shift.new@example.com', current_password: PASSWORD });
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token: oldLink }))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    expect((await h.row(a.id))!.isVerified).toBe(false);
    // A link to the new address works.
    const newLink = await requestLink(a.token, 'shift.new@example.com');
    expect((await h.caller().auth.verifyEmail({ token: newLink })).is_verified).toBe(true);
    // Changing again un-verifies it.
    const moved = await h
      .caller(a.token)
      .users.updateMe({ email: 'shift.third@example.com', current_password: PASSWORD });
    expect(moved.is_verified).toBe(false);
  });

  it('a link is void after 24 hours, and for a deactivated account', async () => {
    const a = await h.account('Late');
    const token = await requestLink(a.token, a.email);
    await h.db.orm.em
      .fork()
      .nativeUpdate(ActionToken, { tokenHash: hashToken(token) }, { expiresAt: new Date(Date.now() - 1) });
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token }))).toBe('INVALID_OR_EXPIRED_TOKEN');
    const b = await h.account('Gone');
    const token2 = await requestLink(b.token, b.email);
    await h.setColumns(b.id, { isActive: false });
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token: token2 }))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    expect((await h.row(b.id))!.isVerified).toBe(false);
  });

  it('a reset token is no verification token, and the other way round', async () => {
    const a = await h.account('Mix');
    const verify = await requestLink(a.token, a.email);
    await h.caller().auth.forgotPassword({ email: a.email });
    await h.deps.tasks.drain();
    const reset = inbox.tokenFor(a.email);
    expect(reset).not.toBe(verify);
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token: reset }))).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token: verify, new_password: 'some new password' })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
  });

  it('needs a token to ask, and an input to verify', async () => {
    expect(await errorCodeOf(h.caller().auth.requestVerification())).toBe('NOT_AUTHENTICATED');
    expect(await errorCodeOf(h.caller().auth.verifyEmail({ token: '' }))).toBe('VALIDATION_ERROR');
  });

  it('uses publicUrl for links when set', async () => {
    const deps = createApiDeps(
      h.db.orm,
      { ...TEST_SETTINGS, publicUrl: 'https://id.example.org' },
      {
        mailer: inbox,
      },
    );
    const a = await h.account('Pub');
    await h.caller(a.token, deps).auth.requestVerification();
    expect(inbox.to(a.email).at(-1)!.text).toContain('https://id.example.org/verify-email#token=');
  });

  it('a mailer failure on request surfaces as an error, and no verification happens', async () => {
    const deps = createApiDeps(h.db.orm, TEST_SETTINGS, {
      mailer: { send: () => Promise.reject(new Error('smtp down')) },
    });
    const a = await h.account('Smtp');
    await expect(h.caller(a.token, deps).auth.requestVerification()).rejects.toThrow();
    expect((await h.row(a.id))!.isVerified).toBe(false);
  });
});

describe('forgotPassword in the background', () => {
  it('reports a mailer failure through onTaskError, never to the caller', async () => {
    const errors: unknown[] = [];
    const deps = createApiDeps(h.db.orm, TEST_SETTINGS, {
      mailer: { send: () => Promise.reject(new Error('smtp down')) },
      onTaskError: (e) => errors.push(e),
    });
    const a = await h.account('Background');
    await expect(h.caller(null, deps).auth.forgotPassword({ email: a.email })).resolves.toEqual({
      detail: expect.any(String),
    });
    await deps.tasks.drain();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('smtp down');
  });
});
