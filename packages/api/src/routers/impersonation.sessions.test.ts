import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededAccount } from '../test/admin.js';
import { createHarness, sessionIdOf, type Account, type Harness } from '../test/harness.js';

// Session lists say which sessions are impersonations, and whose: the account's own list (read by the owner or
// under the impersonation itself) and an admin's view of the account's sessions.

let h: Harness;
let boss: Account;
let deputy: Account;
let ada: Account;

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  deputy = await seededAccount(h, 'deputy');
  ada = await h.account('Ada');
});
afterAll(() => h.close());

const REASON = 'Ticket 4711: wrong display name';

describe('impersonations in session lists', () => {
  let acting: string;
  let sessionId: string;

  it('mark the session an admin opened with the admin, and the owner’s own with null', async () => {
    const started = await h.caller(boss.token).admin.impersonate({ id: ada.id, reason: REASON });
    acting = started.access_token;
    sessionId = started.session_id;
    const own = await h.caller(ada.token).auth.sessions();
    expect(own.map((s) => [s.id, s.impersonated_by])).toEqual(
      expect.arrayContaining([
        [sessionIdOf(ada.token), null],
        [sessionId, { id: boss.id, username: 'boss', reason: REASON }],
      ]),
    );
    expect(own.find((s) => s.id === sessionId)?.current).toBe(false);
    // Under the impersonation itself, its own session is the current one, and says so.
    const seen = await h.caller(acting).auth.sessions();
    expect(seen.find((s) => s.current)).toMatchObject({
      id: sessionId,
      impersonated_by: { id: boss.id, username: 'boss', reason: REASON },
    });
  });

  it('show the same in an admin’s view of the account, whoever looks', async () => {
    const listed = await h.caller(deputy.token).admin.userSessions({ id: ada.id });
    expect(listed.find((s) => s.id === sessionId)?.impersonated_by).toEqual({
      id: boss.id,
      username: 'boss',
      reason: REASON,
    });
    expect(listed.find((s) => s.id === sessionIdOf(ada.token))?.impersonated_by).toBeNull();
    // An admin's own sessions are no impersonations.
    const theirs = await h.caller(deputy.token).admin.userSessions({ id: boss.id });
    expect(theirs.map((s) => s.impersonated_by)).toEqual(theirs.map(() => null));
  });

  it('name two admins apart, and keep the id once the admin’s account is gone', async () => {
    const second = await h.caller(deputy.token).admin.impersonate({ id: ada.id, reason: REASON });
    const byId = async () =>
      new Map((await h.caller(ada.token).auth.sessions()).map((s) => [s.id, s.impersonated_by]));
    const before = await byId();
    expect(before.get(sessionId)).toEqual({ id: boss.id, username: 'boss', reason: REASON });
    expect(before.get(second.session_id)).toEqual({ id: deputy.id, username: 'deputy', reason: REASON });
    await h.caller(deputy.token).admin.deleteUser({ id: boss.id });
    // The session is listed until it ends (its token is refused already: its admin is gone).
    expect((await byId()).get(sessionId)).toEqual({ id: boss.id, username: null, reason: REASON });
  });
});
