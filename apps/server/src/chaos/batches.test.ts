import type { RosterClient, RosterError } from '@roster/sdk';
import { closeDatabase, openDatabase } from '@roster/db';
import { testDatabaseKind } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, newAccount, registerAndLogin } from '../test/accounts.js';
import { createAndLogin, sdk, startWithRoot, type AdminSession } from '../test/admin.js';
import { http } from '../test/harness.js';

// Every procedure call is its own unit of work: the calls of one SDK batch (httpBatchLink sends calls made in the
// same tick as one request) never share an EntityManager, a transaction or pending invalidations. Each 2xx is
// persisted, nothing answers 500, and no connection is left idle in a transaction holding row locks.
let admin: AdminSession;
let req: ReturnType<typeof api>;

beforeAll(async () => {
  admin = await startWithRoot();
  req = api(admin.server);
});
afterAll(() => admin.server.close());

type Settled = PromiseSettledResult<unknown>;

/** Every rejection is one of Roster's answers to the caller, never a 500 (or a transport failure). */
function expectNoServerError(results: Settled[]): void {
  for (const result of results) {
    if (result.status === 'fulfilled') continue;
    const error = result.reason as RosterError;
    expect(error.name, String(error)).toBe('RosterError');
    expect(error.status, `${error.code}: ${error.message}`).toBeLessThan(500);
  }
}

/** Connections to this database left idle inside a transaction (PostgreSQL; none can exist on SQLite). */
async function idleInTransaction(): Promise<number> {
  if (testDatabaseKind() !== 'postgresql') return 0;
  const db = await openDatabase(admin.server.database.url);
  try {
    const rows = await db.orm.em
      .getConnection()
      .execute<
        { n: string }[]
      >(`select count(*) as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await closeDatabase(db);
  }
}

const me = async (token: string) => (await req<Record<string, unknown>>('GET', '/auth/me', { token })).body;

describe('a batch of calls', () => {
  it('keeps both of two profile writes sent in one batch, round after round', async () => {
    const { token } = await registerAndLogin(admin.server, 'twofields');
    const client = sdk(admin.server, token);
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([
        client.users.patchMe.mutate({ full_name: `Name ${round}` }),
        client.users.patchMe.mutate({ bio: `Bio ${round}` }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(await me(token)).toMatchObject({ full_name: `Name ${round}`, bio: `Bio ${round}` });
    }
  });

  it('deactivates an account asked twice in one batch: its token is refused next', async () => {
    const { token } = await registerAndLogin(admin.server, 'twice');
    const client = sdk(admin.server, token);
    const results = await Promise.allSettled([
      client.users.deactivateMe.mutate(),
      client.users.deactivateMe.mutate(),
    ]);
    expectNoServerError(results);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect((await req('GET', '/auth/me', { token })).status).toBe(401);
  });

  it('answers an anonymous batch of ten junk verifications call by call, and later writes go through', async () => {
    const anonymous = sdk(admin.server);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        anonymous.auth.verifyEmail.mutate({ token: `junk-${i}`.padEnd(43, 'x') }),
      ),
    );
    expectNoServerError(results);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(results.map((r) => (r as PromiseRejectedResult).reason.code as string)).toEqual(
      Array(10).fill('INVALID_OR_EXPIRED_TOKEN'),
    );
    expect(await idleInTransaction()).toBe(0);
    const { token } = await registerAndLogin(admin.server, 'afterjunk');
    expect((await req('PUT', '/users/me', { token, json: { bio: 'still writable' } })).status).toBe(200);
  });

  it('mixes every mutation with reads (own, admin, anonymous): every 2xx persisted, no 500, no open transaction', async () => {
    const root = admin.rootToken;
    const [own, edited, reset, revoked, doomed, relogin] = await Promise.all(
      ['own', 'edited', 'reset', 'revoked', 'doomed', 'relogin'].map((p) =>
        createAndLogin(admin.server, root, p),
      ),
    );
    const mine = sdk(admin.server, own!.token);
    const boss = sdk(admin.server, root);
    const anonymous = sdk(admin.server);
    const fresh = [newAccount('batchnew'), newAccount('batchnew')];
    const byAdmin = newAccount('byadmin');
    const ownSessions = await mine.auth.sessions.query();
    const other = await login(admin.server, own!.account.email, own!.account.password);
    const otherSession = (await sdk(admin.server, other.body.access_token).auth.sessions.query()).find(
      (s) => s.current,
    );

    const calls: [string, Promise<unknown>][] = [
      // The caller's own account.
      ['own.patch.bio', mine.users.patchMe.mutate({ bio: 'batched bio' })],
      ['own.patch.name', mine.users.updateMe.mutate({ full_name: 'Batched Name' })],
      ['own.verify.request', mine.auth.requestVerification.mutate()],
      ['own.revoke', mine.auth.revokeSession.mutate({ id: otherSession!.id })],
      ['own.me', mine.auth.me.query()],
      ['own.list', mine.users.list.query({ limit: 5 })],
      ['own.byId', mine.users.byId.query({ id: edited!.user.id })],
      ['own.sessions', mine.auth.sessions.query()],
      // An admin's.
      ['admin.update', boss.admin.updateUser.mutate({ id: edited!.user.id, full_name: 'Edited In Batch' })],
      [
        'admin.password',
        boss.admin.setPassword.mutate({ id: reset!.user.id, password: 'batch new password' }),
      ],
      ['admin.revoke', boss.admin.revokeUserSessions.mutate({ id: revoked!.user.id })],
      ['admin.create', boss.admin.createUser.mutate(byAdmin)],
      ['admin.delete', boss.admin.deleteUser.mutate({ id: doomed!.user.id })],
      ['admin.list', boss.admin.listUsers.query({ limit: 10 })],
      ['admin.get', boss.admin.getUser.query({ id: edited!.user.id })],
      ['admin.stats', boss.admin.stats.query()],
      ['admin.audit', boss.admin.audit.query({ limit: 10 })],
      // Anonymous callers'.
      ['anon.register.0', anonymous.auth.register.mutate(fresh[0]!)],
      ['anon.register.1', anonymous.auth.register.mutate(fresh[1]!)],
      [
        'anon.login',
        anonymous.auth.login.mutate({
          username: relogin!.account.email,
          password: relogin!.account.password,
        }),
      ],
      ['anon.forgot', anonymous.auth.forgotPassword.mutate({ email: own!.account.email })],
      [
        'anon.reset',
        anonymous.auth.resetPassword.mutate({ token: 'x'.repeat(43), new_password: 'whatever pw 1' }),
      ],
      ['anon.verify', anonymous.auth.verifyEmail.mutate({ token: 'y'.repeat(43) })],
      ['anon.refresh', anonymous.auth.refresh.mutate({ refresh_token: 'z'.repeat(43) })],
    ];
    const results = await Promise.allSettled(calls.map(([, call]) => call));
    expectNoServerError(results);
    const outcome = Object.fromEntries(calls.map(([name], i) => [name, results[i]!.status]));
    // Only the junk tokens are refused.
    expect(
      Object.entries(outcome)
        .filter(([, status]) => status === 'rejected')
        .map(([name]) => name),
    ).toEqual(['anon.reset', 'anon.verify', 'anon.refresh']);

    // Every acknowledged change is there.
    expect(await me(own!.token)).toMatchObject({ bio: 'batched bio', full_name: 'Batched Name' });
    expect((await req('GET', '/auth/me', { token: other.body.access_token })).status).toBe(401);
    expect(ownSessions.length).toBeGreaterThan(0);
    const editedNow = await req<{ full_name: string }>('GET', `/admin/users/${edited!.user.id}`, {
      token: root,
    });
    expect(editedNow.body.full_name).toBe('Edited In Batch');
    expect((await login(admin.server, reset!.account.email, 'batch new password')).status).toBe(200);
    expect((await req('GET', '/auth/me', { token: reset!.token })).status).toBe(401);
    expect((await req('GET', '/auth/me', { token: revoked!.token })).status).toBe(401);
    expect((await login(admin.server, byAdmin.email, byAdmin.password)).status).toBe(200);
    expect((await req('GET', `/admin/users/${doomed!.user.id}`, { token: root })).status).toBe(404);
    for (const account of fresh)
      expect((await login(admin.server, account.email, account.password)).status).toBe(200);
    const loggedIn = (
      results[calls.findIndex(([name]) => name === 'anon.login')] as PromiseFulfilledResult<{
        access_token: string;
      }>
    ).value;
    expect((await req('GET', '/auth/me', { token: loggedIn.access_token })).status).toBe(200);

    // Nothing is left holding locks: later writes to the same rows complete.
    expect(await idleInTransaction()).toBe(0);
    expect(
      (await req('PUT', '/users/me', { token: own!.token, json: { bio: 'after the batch' } })).status,
    ).toBe(200);
    const again = await http(admin.server.url, 'PATCH', `/admin/users/${edited!.user.id}`, {
      token: root,
      json: { bio: 'after the batch' },
    });
    expect(again.status).toBe(200);
  });
});

describe('two tabs', () => {
  it('keep each other’s profile changes when they write at once', async () => {
    const { token } = await registerAndLogin(admin.server, 'tabs');
    const tabs: RosterClient[] = [sdk(admin.server, token), sdk(admin.server, token)];
    const results = await Promise.allSettled([
      tabs[0]!.users.patchMe.mutate({ full_name: 'From Tab One' }),
      tabs[1]!.users.patchMe.mutate({ bio: 'From tab two' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await me(token)).toMatchObject({ full_name: 'From Tab One', bio: 'From tab two' });
  });
});
