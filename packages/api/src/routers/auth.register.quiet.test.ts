import { User } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps, type ApiDeps } from '../context.js';
import { toErrorResponse } from '../errors.js';
import { auditRows } from '../test/admin.js';
import {
  barrier,
  createHarness,
  Inbox,
  LockstepHasher,
  PASSWORD,
  TEST_SETTINGS,
  type Harness,
} from '../test/harness.js';

// Registration with REQUIRE_VERIFIED_EMAIL=true: the same answer for a new and a known email (the HTTP tests in
// apps/server/src/security/registration.test.ts check statuses, bodies, mails and timing). Here: the races.

const ACCEPTED = { detail: 'Check your inbox to confirm your address' };

let h: Harness;
let inbox: Inbox;
let quiet: ApiDeps;
beforeAll(async () => {
  h = await createHarness();
  inbox = new Inbox();
  quiet = createApiDeps(h.db.orm, { ...h.deps.settings, requireVerifiedEmail: true }, { mailer: inbox });
});
afterAll(() => h.close());

/** Deps whose password hashing waits until `count` callers hash at once: every one passes the pre-checks. */
const lockstep = (count: number): ApiDeps => ({
  ...quiet,
  passwords: new LockstepHasher(TEST_SETTINGS.argon2, barrier(count)),
});

describe('auth.register, REQUIRE_VERIFIED_EMAIL=true', () => {
  it('concurrent registrations of one email: one account, every caller the same answer, the owner told', async () => {
    const deps = lockstep(3);
    const answers = await Promise.all(
      [1, 2, 3].map((i) =>
        h
          .caller(null, deps)
          .auth.register({ email: 'q@example.com', username: `quick${i}`, password: PASSWORD }),
      ),
    );
    expect(answers).toEqual([ACCEPTED, ACCEPTED, ACCEPTED]);
    const rows = await h.db.orm.em.fork().find(User, { email: 'q@example.com' });
    expect(rows).toHaveLength(1);
    const duplicates = await auditRows(h, { action: 'auth.registration_duplicate', targetId: rows[0]!.id });
    expect(duplicates).toHaveLength(2);
    await deps.tasks.drain();
    expect(inbox.to('q@example.com').map((m) => m.subject)).toEqual(
      expect.arrayContaining(['Confirm your email address', 'Someone tried to register with your address']),
    );
    expect(inbox.to('q@example.com')).toHaveLength(3);
  });

  it('a username won by a concurrent registration is USERNAME_TAKEN, as in the default mode', async () => {
    const deps = lockstep(2);
    const attempts = await Promise.allSettled([
      h.caller(null, deps).auth.register({ email: 'q1@example.com', username: 'Quin', password: PASSWORD }),
      h.caller(null, deps).auth.register({ email: 'q2@example.com', username: 'qUIN', password: PASSWORD }),
    ]);
    const failed = attempts.flatMap((a) => (a.status === 'rejected' ? [toErrorResponse(a.reason).body] : []));
    expect(failed).toEqual([{ detail: 'Username already taken', code: 'USERNAME_TAKEN' }]);
  });

  it('a deactivated owner is not mailed; the attempt is still audited and answered alike', async () => {
    await h
      .caller(null, quiet)
      .auth.register({ email: 'gone@example.com', username: 'gone', password: PASSWORD });
    const owner = await h.db.orm.em.fork().findOneOrFail(User, { email: 'gone@example.com' });
    await h.db.orm.em.fork().nativeUpdate(User, { id: owner.id }, { isActive: false });
    await quiet.tasks.drain();
    const before = inbox.to('gone@example.com').length;
    const answer = await h
      .caller(null, quiet)
      .auth.register({ email: 'gone@example.com', username: 'gone2', password: PASSWORD });
    expect(answer).toEqual(ACCEPTED);
    await quiet.tasks.drain();
    expect(inbox.to('gone@example.com')).toHaveLength(before);
    expect(await auditRows(h, { action: 'auth.registration_duplicate', targetId: owner.id })).toHaveLength(1);
  });
});
