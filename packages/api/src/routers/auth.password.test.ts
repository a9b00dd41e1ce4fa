import { ActionToken } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from '../context.js';
import { REMINDER_INTERVAL_MS } from '../services/account.js';
import { hashToken } from '../services/secrets.js';
import { auditRows, lockstepBeginEm, seededAccount } from '../test/admin.js';
import {
  barrier,
  createHarness,
  errorCodeOf,
  Inbox,
  PASSWORD,
  sessionIdOf,
  sessionRows,
  TEST_SETTINGS,
  type Account,
  type Harness,
} from '../test/harness.js';

const NEW_PASSWORD = 'a much newer password';
const inbox = new Inbox();
let h: Harness;
let boss: Account;
beforeAll(async () => {
  h = await createHarness({ ...TEST_SETTINGS, publicUrl: 'https://roster.example' }, { mailer: inbox });
  boss = await seededAccount(h, 'boss');
});
afterAll(() => h.close());

async function second(email: string, password = PASSWORD) {
  const pair = await h.caller().auth.login({ username: email, password });
  return { access: pair.access_token, refresh: pair.refresh_token };
}

const canLogIn = async (email: string, password: string) =>
  h
    .caller()
    .auth.login({ username: email, password })
    .then(
      () => true,
      () => false,
    );

/** Asks for a reset link for `email` and answers the token mailed (after the background task ran). */
async function resetTokenFor(email: string): Promise<string> {
  await h.caller().auth.forgotPassword({ email });
  await h.deps.tasks.drain();
  return inbox.tokenFor(email);
}

describe('auth.changePassword', () => {
  it('changes the password and ends every other session, keeping the current one', async () => {
    const a = await h.account('Cher');
    const other = await second(a.email);
    const before = (await h.row(a.id))!;
    await expect(
      h.caller(a.token).auth.changePassword({ current_password: PASSWORD, new_password: NEW_PASSWORD }),
    ).resolves.toBeUndefined();
    expect((await h.caller(a.token).auth.me()).id).toBe(a.id);
    expect(await errorCodeOf(h.caller(other.access).auth.me())).toBe('INVALID_TOKEN');
    expect(await errorCodeOf(h.caller().auth.refresh({ refresh_token: other.refresh }))).toBe(
      'INVALID_REFRESH_TOKEN',
    );
    expect((await sessionRows(h, sessionIdOf(other.access))).session!.revokedReason).toBe('password_changed');
    const after = (await h.row(a.id))!;
    expect(after.passwordHash).not.toBe(before.passwordHash);
    expect(after.version).toBe(before.version + 1);
    expect(await canLogIn(a.email, NEW_PASSWORD)).toBe(true);
    expect(await canLogIn(a.email, PASSWORD)).toBe(false);
    expect(await auditRows(h, { action: 'user.password_changed', targetId: a.id })).toHaveLength(1);
  });

  it('refuses a wrong current password with WRONG_PASSWORD and changes nothing', async () => {
    const a = await h.account('Wren');
    const other = await second(a.email);
    const before = (await h.row(a.id))!;
    const error = h
      .caller(a.token)
      .auth.changePassword({ current_password: 'not my password', new_password: NEW_PASSWORD });
    await expect(error).rejects.toMatchObject({ appCode: 'WRONG_PASSWORD', status: 403 });
    const after = (await h.row(a.id))!;
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.version).toBe(before.version);
    expect((await h.caller(other.access).auth.me()).id).toBe(a.id);
    expect(await canLogIn(a.email, PASSWORD)).toBe(true);
    expect(await auditRows(h, { action: 'user.password_changed', targetId: a.id })).toHaveLength(0);
  });

  it('validates the new password and needs a token', async () => {
    const a = await h.account('Val');
    expect(
      await errorCodeOf(
        h.caller(a.token).auth.changePassword({ current_password: PASSWORD, new_password: 'short' }),
      ),
    ).toBe('VALIDATION_ERROR');
    expect(
      await errorCodeOf(
        h.caller().auth.changePassword({ current_password: PASSWORD, new_password: NEW_PASSWORD }),
      ),
    ).toBe('NOT_AUTHENTICATED');
  });

  it('voids reset links sent before the change', async () => {
    const a = await h.account('Void');
    const token = await resetTokenFor(a.email);
    await h.caller(a.token).auth.changePassword({ current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token, new_password: 'yet another password' })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(await canLogIn(a.email, NEW_PASSWORD)).toBe(true);
  });
});

describe('auth.forgotPassword', () => {
  it('answers known, unknown and deactivated addresses alike, and mails only an active account', async () => {
    const known = await h.account('Kim');
    const dormant = await h.account('Dora');
    await h.setColumns(dormant.id, { isActive: false });
    inbox.messages.length = 0;
    const answers = [];
    for (const email of [known.email, 'nobody@example.com', dormant.email]) {
      answers.push(await h.caller().auth.forgotPassword({ email }));
    }
    await h.deps.tasks.drain();
    expect(answers[0]).toEqual({ detail: expect.any(String) });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(inbox.messages.map((m) => m.to)).toEqual([known.email]);
    const mail = inbox.messages[0]!;
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toMatch(/https:\/\/roster\.example\/reset-password#token=[A-Za-z0-9_-]{43}\n/);
    expect(mail.text).toContain('60 minutes');
    // Stored hashed, bound to the address, valid one hour.
    const token = inbox.tokenFor(known.email);
    const row = await h.db.orm.em.fork().findOneOrFail(ActionToken, { tokenHash: hashToken(token) });
    expect(row).toMatchObject({
      userId: known.id,
      purpose: 'password_reset',
      email: known.email,
      usedAt: null,
    });
    const ttl = row.expiresAt.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    expect(await auditRows(h, { action: 'auth.password_reset_requested', targetId: known.id })).toHaveLength(
      1,
    );
  });

  it('normalizes the address and rejects what is not one', async () => {
    const a = await h.account('Norm');
    inbox.messages.length = 0;
    await h.caller().auth.forgotPassword({ email: `  ${a.email.toUpperCase()} ` });
    await h.deps.tasks.drain();
    expect(inbox.to(a.email)).toHaveLength(1);
    expect(await errorCodeOf(h.caller().auth.forgotPassword({ email: 'not-an-email' }))).toBe(
      'VALIDATION_ERROR',
    );
  });
});

describe('auth.resetPassword', () => {
  it('sets the password, ends every session and is single use', async () => {
    const a = await h.account('Rae');
    const other = await second(a.email);
    const token = await resetTokenFor(a.email);
    await expect(
      h.caller().auth.resetPassword({ token, new_password: NEW_PASSWORD }),
    ).resolves.toBeUndefined();
    for (const access of [a.token, other.access]) {
      expect(await errorCodeOf(h.caller(access).auth.me())).toBe('INVALID_TOKEN');
    }
    expect(await errorCodeOf(h.caller().auth.refresh({ refresh_token: other.refresh }))).toBe(
      'INVALID_REFRESH_TOKEN',
    );
    expect((await sessionRows(h, sessionIdOf(other.access))).session!.revokedReason).toBe('password_reset');
    expect(await canLogIn(a.email, NEW_PASSWORD)).toBe(true);
    expect(await canLogIn(a.email, PASSWORD)).toBe(false);
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token, new_password: 'third password here' })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(await canLogIn(a.email, NEW_PASSWORD)).toBe(true);
    expect(await auditRows(h, { action: 'user.password_reset', targetId: a.id })).toHaveLength(1);
  });

  it('refuses an unknown token, and a link older than an hour', async () => {
    const a = await h.account('Old');
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token: 'A'.repeat(43), new_password: NEW_PASSWORD })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
    const token = await resetTokenFor(a.email);
    await h.db.orm.em
      .fork()
      .nativeUpdate(ActionToken, { tokenHash: hashToken(token) }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await errorCodeOf(h.caller().auth.resetPassword({ token, new_password: NEW_PASSWORD }))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    expect(await canLogIn(a.email, PASSWORD)).toBe(true);
    expect((await h.caller(a.token).auth.me()).id).toBe(a.id);
  });

  it('is void once an admin set the password', async () => {
    const a = await h.account('Adm');
    const token = await resetTokenFor(a.email);
    await h.caller(boss.token).admin.setPassword({ id: a.id, password: NEW_PASSWORD });
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token, new_password: 'attacker password' })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(await canLogIn(a.email, NEW_PASSWORD)).toBe(true);
  });

  it('is void once another reset link was used', async () => {
    const a = await h.account('Two');
    const first = await resetTokenFor(a.email);
    const later = await resetTokenFor(a.email);
    expect(later).not.toBe(first);
    await h.caller().auth.resetPassword({ token: later, new_password: NEW_PASSWORD });
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token: first, new_password: 'attacker password' })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(await canLogIn(a.email, NEW_PASSWORD)).toBe(true);
  });

  it('is void once the account’s email changed, and for a deactivated account', async () => {
    const a = await h.account('Mov');
    const token = await resetTokenFor(a.email);
    await h.caller(a.token).users.updateMe({ email: 'moved@example.com', current_password: PASSWORD });
    expect(await errorCodeOf(h.caller().auth.resetPassword({ token, new_password: NEW_PASSWORD }))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    const b = await h.account('Sleep');
    const token2 = await resetTokenFor(b.email);
    await h.setColumns(b.id, { isActive: false });
    expect(
      await errorCodeOf(h.caller().auth.resetPassword({ token: token2, new_password: NEW_PASSWORD })),
    ).toBe('INVALID_OR_EXPIRED_TOKEN');
    expect(await canLogIn('moved@example.com', PASSWORD)).toBe(true);
  });

  it('of two concurrent uses of one token exactly one wins', async () => {
    const a = await h.account('Race');
    const token = await resetTokenFor(a.email);
    const wait = barrier(2);
    const results = await Promise.allSettled(
      ['first racing password', 'second racing password'].map((new_password) =>
        h.caller(null, h.deps, lockstepBeginEm(h, wait)).auth.resetPassword({ token, new_password }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(await errorCodeOf(Promise.reject((lost[0] as PromiseRejectedResult).reason))).toBe(
      'INVALID_OR_EXPIRED_TOKEN',
    );
    const winner = results[0]!.status === 'fulfilled' ? 'first racing password' : 'second racing password';
    const loser = winner === 'first racing password' ? 'second racing password' : 'first racing password';
    expect(await canLogIn(a.email, winner)).toBe(true);
    expect(await canLogIn(a.email, loser)).toBe(false);
    expect(await auditRows(h, { action: 'user.password_reset', targetId: a.id })).toHaveLength(1);
  });
});

describe('users.updateMe: changing the email', () => {
  it('needs current_password: 422 on current_password when missing, WRONG_PASSWORD when wrong', async () => {
    const a = await h.account('Eve');
    const missing = await h
      .caller(a.token)
      .users.updateMe({ email: 'eve2@example.com' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ appCode: 'VALIDATION_ERROR', status: 422 });
    expect((missing as { issues: { path: string[] }[] }).issues.map((i) => i.path)).toEqual([
      ['current_password'],
    ]);
    expect(
      await errorCodeOf(
        h.caller(a.token).users.patchMe({ email: 'eve2@example.com', current_password: 'wrong one' }),
      ),
    ).toBe('WRONG_PASSWORD');
    expect((await h.caller(a.token).auth.me()).email).toBe(a.email);
  });

  it('with the password changes it and resets is_verified; other fields need no password', async () => {
    const a = await h.account('Fay');
    await h.db.orm.em
      .fork()
      .getConnection()
      .execute('update users set is_verified = ? where id = ?', [true, a.id]);
    expect((await h.caller(a.token).auth.me()).is_verified).toBe(true);
    // Same address (in another case): no password needed, still verified.
    const same = await h.caller(a.token).users.updateMe({ email: a.email.toUpperCase(), bio: 'hi' });
    expect(same).toMatchObject({ email: a.email, is_verified: true, bio: 'hi' });
    const moved = await h
      .caller(a.token)
      .users.patchMe({ email: 'fay.new@example.com', current_password: PASSWORD });
    expect(moved).toMatchObject({ email: 'fay.new@example.com', is_verified: false });
    // The session goes on.
    expect((await h.caller(a.token).auth.me()).email).toBe('fay.new@example.com');
  });
});

describe('REQUIRE_VERIFIED_EMAIL', () => {
  it('refuses the login of an unverified account with EMAIL_NOT_VERIFIED; verified ones log in', async () => {
    const strict = createApiDeps(
      h.db.orm,
      { ...h.deps.settings, requireVerifiedEmail: true },
      { mailer: inbox },
    );
    const a = await h.account('Una');
    const login = () => h.caller(null, strict).auth.login({ username: a.email, password: PASSWORD });
    await expect(login()).rejects.toMatchObject({ appCode: 'EMAIL_NOT_VERIFIED', status: 403 });
    // A wrong password is still just wrong.
    expect(
      await errorCodeOf(h.caller(null, strict).auth.login({ username: a.email, password: 'nope nope' })),
    ).toBe('INVALID_CREDENTIALS');
    const failed = await auditRows(h, { action: 'auth.login_failed', targetId: a.id });
    expect(failed.map((e) => e.details)).toContainEqual({ reason: 'unverified' });
    // Verify through the link, then log in.
    await h.caller(a.token).auth.requestVerification();
    await h.caller().auth.verifyEmail({ token: inbox.tokenFor(a.email) });
    const ok = await login();
    expect(ok.user).toMatchObject({ id: a.id, is_verified: true });
  });

  it('mails at most one link per account every ten minutes, however often its login is refused', async () => {
    const mail = new Inbox();
    const strict = createApiDeps(
      h.db.orm,
      { ...h.deps.settings, requireVerifiedEmail: true },
      { mailer: mail },
    );
    const a = await h.account('Reminded');
    const login = (username: string) => h.caller(null, strict).auth.login({ username, password: PASSWORD });
    for (const name of [a.email, a.username, a.email, a.username, a.email]) {
      expect(await errorCodeOf(login(name))).toBe('EMAIL_NOT_VERIFIED');
    }
    await strict.tasks.drain();
    expect(mail.to(a.email)).toHaveLength(1);
    // Concurrent refusals (two instances, a batch) still make one link.
    await Promise.all([login(a.email), login(a.username), login(a.email)].map((p) => errorCodeOf(p)));
    await strict.tasks.drain();
    expect(mail.to(a.email)).toHaveLength(1);
    // Ten minutes later the next refusal mails a fresh link, which works.
    await h.db.orm.em
      .fork()
      .nativeUpdate(
        ActionToken,
        { userId: a.id },
        { createdAt: new Date(Date.now() - REMINDER_INTERVAL_MS - 1000) },
      );
    expect(await errorCodeOf(login(a.email))).toBe('EMAIL_NOT_VERIFIED');
    await strict.tasks.drain();
    expect(mail.to(a.email)).toHaveLength(2);
    await h.caller().auth.verifyEmail({ token: mail.tokenFor(a.email) });
    expect((await login(a.email)).user.id).toBe(a.id);
  });
});
