import { User } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toErrorResponse } from '../errors.js';
import {
  auditRows,
  lockstepBeginEm,
  requestCaller,
  seededAccount,
  seedOne as seedRow,
  tokenFor,
  type Seed,
} from '../test/admin.js';
import {
  barrier,
  createHarness,
  errorCodeOf,
  PASSWORD,
  type Account,
  servicesOf,
  type Harness,
} from '../test/harness.js';

let h: Harness;
let boss: Account;
const admin = () => h.caller(boss.token).admin;
const service = () => servicesOf(h).admin;
const seedOne = (username: string, extra: Partial<Seed> = {}) => seedRow(h, username, extra);

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  // An admin on paper only: deactivated admins never count as the remaining admin.
  await seedOne('retired', { role: 'admin', isActive: false });
});
afterAll(() => h.close());

describe('the last active admin', () => {
  it('cannot be demoted or deactivated, through the API or set-role', async () => {
    for (const change of [{ role: 'user' as const }, { is_active: false }]) {
      expect(await errorCodeOf(admin().updateUser({ id: boss.id, ...change }))).toBe('LAST_ADMIN');
    }
    expect(await errorCodeOf(service().setRole('boss@example.com', 'user'))).toBe('LAST_ADMIN');
    expect(await h.row(boss.id)).toMatchObject({ role: 'admin', isActive: true, version: 1 });
    expect(await auditRows(h)).toEqual([]);
  });

  it('can be demoted once another active admin exists; inactive admins may always be demoted', async () => {
    const deputy = await seedOne('deputy', { role: 'admin' });
    expect(await admin().updateUser({ id: deputy.id, role: 'user' })).toMatchObject({
      role: 'user',
      version: 2,
    });
    const retired = await h.db.orm.em.fork().findOneOrFail(User, { username: 'retired' });
    expect(await admin().updateUser({ id: retired.id, role: 'user' })).toMatchObject({ role: 'user' });
    expect((await service().setRole('deputy@example.com', 'admin')).role).toBe('admin');
    expect((await service().setRole('deputy@example.com', 'user')).role).toBe('user');
    expect(await errorCodeOf(service().setRole('nobody@example.com', 'admin'))).toBe('USER_NOT_FOUND');
  });
});

describe('admin.createUser / admin.getUser', () => {
  it('creates an account with the role and status chosen, audited as admin.user_created', async () => {
    const input = { username: 'newadmin', password: PASSWORD, full_name: 'New Admin', bio: 'hi' };
    const made = await admin().createUser({
      ...input,
      email: ' New.Admin@Example.com',
      role: 'admin',
      is_active: false,
    });
    expect(made).toMatchObject({
      email: 'new.admin@example.com',
      role: 'admin',
      is_superuser: true,
      is_active: false,
      full_name: 'New Admin',
      last_login_at: null,
      version: 1,
    });
    expect(await admin().getUser({ id: made.id })).toEqual(made);
    const [event] = await auditRows(h, { targetId: made.id });
    expect(event).toMatchObject({
      action: 'admin.user_created',
      actorId: boss.id,
      details: { role: 'admin', is_active: false },
    });
    const plain = { email: 'plain@example.com', username: 'plain', password: PASSWORD };
    expect(await admin().createUser(plain)).toMatchObject({
      role: 'user',
      is_active: true,
      full_name: null,
      bio: null,
    });
  });

  it('refuses taken emails and usernames (any case) and invalid input', async () => {
    const input = { email: 'BOSS@example.com', username: 'fresh', password: PASSWORD };
    expect(await errorCodeOf(admin().createUser(input))).toBe('USER_ALREADY_EXISTS');
    expect(
      await errorCodeOf(admin().createUser({ ...input, email: 'f@example.com', username: 'BOSS' })),
    ).toBe('USERNAME_TAKEN');
    for (const bad of [
      { ...input, role: 'root' },
      { ...input, is_superuser: true },
      { ...input, password: 'short' },
    ]) {
      expect(await errorCodeOf(admin().createUser(bad as never))).toBe('VALIDATION_ERROR');
    }
  });

  it('gets the full record with last_login_at and version; unknown ids are USER_NOT_FOUND', async () => {
    const at = new Date('2025-05-05T05:05:05.005Z');
    const seen = await seedOne('seen', { lastLoginAt: at });
    expect(await admin().getUser({ id: seen.id })).toMatchObject({
      id: seen.id,
      email: 'seen@example.com',
      last_login_at: at.toISOString(),
      version: 1,
    });
    expect(
      toErrorResponse(
        await admin()
          .getUser({ id: 999_999 })
          .catch((e: unknown) => e),
      ),
    ).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } });
    expect(await errorCodeOf(admin().getUser({ id: 0 }))).toBe('VALIDATION_ERROR');
  });
});

describe('admin.updateUser', () => {
  it('changes each field, bumping the version once per change and auditing only what changed', async () => {
    const u = await seedOne('target', { fullName: 'T' });
    const steps = [
      [{ email: 'Moved@Example.com' }, { email: ['target@example.com', 'moved@example.com'] }],
      [{ username: 'renamed' }, { username: ['target', 'renamed'] }],
      [
        { full_name: 'Full', bio: 'Bio' },
        { full_name: ['T', 'Full'], bio: [null, 'Bio'] },
      ],
      [{ role: 'admin' as const }, { role: ['user', 'admin'] }],
      [{ is_active: false, bio: 'Bio' }, { is_active: [true, false] }],
    ] as const;
    for (const [i, [change, details]] of steps.entries()) {
      const out = await admin().updateUser({ id: u.id, ...change });
      expect(out.version).toBe(i + 2);
      const events = await auditRows(h, { targetId: u.id, action: 'admin.user_updated' });
      expect(events.at(-1)).toMatchObject({ actorId: boss.id, details });
    }
    expect(await h.row(u.id)).toMatchObject({
      email: 'moved@example.com',
      username: 'renamed',
      fullName: 'Full',
      bio: 'Bio',
      role: 'admin',
      isActive: false,
      version: 6,
    });
    const actions = (await auditRows(h, { targetId: u.id })).map((e) => e.action);
    expect(actions.filter((a) => a !== 'admin.user_updated')).toEqual([
      'user.role_changed',
      'user.deactivated',
    ]);
    await admin().updateUser({ id: u.id, is_active: true });
    expect((await auditRows(h, { targetId: u.id })).at(-1)?.action).toBe('user.reactivated');
    // Nothing changed: no version bump, no event.
    const count = (await auditRows(h)).length;
    expect((await admin().updateUser({ id: u.id, bio: 'Bio', username: 'renamed' })).version).toBe(7);
    expect(await auditRows(h)).toHaveLength(count);
  });

  it('compares expected_version and If-Match: stale is VERSION_CONFLICT, matching goes through', async () => {
    const u = await seedOne('locked');
    const update = (ifMatch: string, input: { bio: string; expected_version?: number }) =>
      requestCaller(h, { token: boss.token, ifMatch }).admin.updateUser({ id: u.id, ...input });
    const stale = async (p: Promise<unknown>) => expect(await errorCodeOf(p)).toBe('VERSION_CONFLICT');
    await stale(update('', { bio: 'a', expected_version: 2 }));
    expect(await update('', { bio: 'a', expected_version: 1 })).toMatchObject({ version: 2 });
    await stale(update('"3"', { bio: 'b' }));
    expect(await update('W/"2"', { bio: 'b' })).toMatchObject({ bio: 'b', version: 3 });
    expect(await update('"3"', { bio: 'c' })).toMatchObject({ version: 4 });
    // Both given and different: refused, not guessed at.
    expect(await errorCodeOf(update('"1"', { bio: 'x', expected_version: 4 }))).toBe('VALIDATION_ERROR');
    expect(await update('"4"', { bio: 'd', expected_version: 4 })).toMatchObject({ bio: 'd', version: 5 });
    // `*` says on purpose: whatever the version.
    expect(await update('*', { bio: 'e' })).toMatchObject({ bio: 'e', version: 6 });
    // A malformed header is refused, never taken as no condition; nothing changes.
    expect(await errorCodeOf(update('"v6"', { bio: 'f' }))).toBe('VALIDATION_ERROR');
    expect(await h.row(u.id)).toMatchObject({ bio: 'e', version: 6 });
    expect(await errorCodeOf(admin().updateUser({ id: 999_999, bio: 'x', expected_version: 1 }))).toBe(
      'USER_NOT_FOUND',
    );
  });

  it('lets exactly one of two concurrent updates from the same version win', async () => {
    const u = await seedOne('contested');
    // Both requests are authenticated before either opens its transaction; then they race for the row.
    const wait = barrier(2);
    const racing = (full_name: string) =>
      h
        .caller(boss.token, h.deps, lockstepBeginEm(h, wait))
        .admin.updateUser({ id: u.id, full_name, expected_version: 1 });
    const results = await Promise.allSettled([racing('First'), racing('Second')]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const lost = results.flatMap((r) =>
      r.status === 'rejected' ? [toErrorResponse(r.reason).body.code] : [],
    );
    expect(won).toHaveLength(1);
    expect(lost).toEqual(['VERSION_CONFLICT']);
    expect(await h.row(u.id)).toMatchObject({ fullName: won[0]!.full_name, version: 2 });
    expect(await auditRows(h, { targetId: u.id })).toHaveLength(1);
  });

  it('refuses unknown keys, taken names and unknown ids', async () => {
    const u = await seedOne('strict');
    for (const bad of [
      { password: 'long enough pw' },
      { version: 3 },
      { is_superuser: true },
      { expected_version: 0 },
    ]) {
      expect(await errorCodeOf(admin().updateUser({ id: u.id, ...bad } as never))).toBe('VALIDATION_ERROR');
    }
    expect(await errorCodeOf(admin().updateUser({ id: u.id, email: 'boss@example.com' }))).toBe(
      'USER_ALREADY_EXISTS',
    );
    expect(await errorCodeOf(admin().updateUser({ id: u.id, username: 'Boss' }))).toBe('USERNAME_TAKEN');
    expect(await errorCodeOf(admin().updateUser({ id: 999_999, bio: 'x' }))).toBe('USER_NOT_FOUND');
    expect(await h.row(u.id)).toMatchObject({ email: 'strict@example.com', version: 1 });
  });
});

describe('admin.setPassword', () => {
  it('replaces the password: the old one stops working, the new one works, audited without it', async () => {
    const pat = await seedOne('pat');
    const login = (password: string) => h.caller().auth.login({ username: 'pat', password });
    expect((await login(PASSWORD)).user.id).toBe(pat.id);
    expect(await admin().setPassword({ id: pat.id, password: 'brand new secret' })).toBeUndefined();
    expect(await errorCodeOf(login(PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect((await login('brand new secret')).user.id).toBe(pat.id);
    expect((await h.row(pat.id))?.version).toBe(2);
    const events = await auditRows(h, { targetId: pat.id, action: 'admin.password_set' });
    expect(events).toMatchObject([{ actorId: boss.id, details: null }]);
    expect(JSON.stringify(await auditRows(h))).not.toContain('brand new secret');
    expect(await errorCodeOf(admin().setPassword({ id: 999_999, password: 'long enough pw' }))).toBe(
      'USER_NOT_FOUND',
    );
    expect(await errorCodeOf(admin().setPassword({ id: pat.id, password: 'short' }))).toBe(
      'VALIDATION_ERROR',
    );
  });
});

describe('admin.deleteUser', () => {
  it("deletes the row; the trail keeps the id, the target's details and its own ip/agent go", async () => {
    const victim = await seedOne('victim');
    const request = (token: string | null, ip: string) =>
      requestCaller(h, { token, ip, userAgent: `ua-${ip}` });
    await request(null, '198.51.100.7').auth.login({ username: 'victim', password: PASSWORD });
    const victimToken = await tokenFor(h, victim.id);
    await request(victimToken, '198.51.100.7').users.patchMe({ bio: 'mine' });
    await request(boss.token, '203.0.113.1').admin.updateUser({ id: victim.id, full_name: 'V' });
    expect(await request(boss.token, '203.0.113.1').admin.deleteUser({ id: victim.id })).toBeUndefined();

    expect(await h.row(victim.id)).toBeNull();
    expect(await errorCodeOf(admin().getUser({ id: victim.id }))).toBe('USER_NOT_FOUND');
    expect(await errorCodeOf(h.caller(victimToken).auth.me())).toBe('INVALID_TOKEN');
    const trail = await auditRows(h, { targetId: victim.id });
    expect(trail.map((e) => [e.action, e.actorId, e.ip, e.userAgent, e.details])).toEqual([
      ['auth.login_succeeded', victim.id, null, null, null],
      ['user.updated', victim.id, null, null, null],
      ['admin.user_updated', boss.id, '203.0.113.1', 'ua-203.0.113.1', null],
      ['admin.user_deleted', boss.id, '203.0.113.1', 'ua-203.0.113.1', null],
    ]);
  });

  it('refuses to delete yourself or an unknown account', async () => {
    expect(await errorCodeOf(admin().deleteUser({ id: boss.id }))).toBe('CANNOT_DELETE_SELF');
    expect(await errorCodeOf(admin().deleteUser({ id: 999_999 }))).toBe('USER_NOT_FOUND');
    expect(await h.row(boss.id)).not.toBeNull();
  });
});

describe('ensureAdmin', () => {
  it('creates, then leaves alone; promotes users and reactivates deactivated admins', async () => {
    const account = { email: 'root@example.com', username: 'root', password: PASSWORD };
    expect(await service().ensureAdmin(account)).toBe('created');
    const root = await h.db.orm.em.fork().findOneOrFail(User, { email: 'root@example.com' });
    expect(root).toMatchObject({ role: 'admin', isActive: true });
    expect(await service().ensureAdmin(account)).toBe('unchanged');

    const user = await seedOne('promotee', { isVerified: true });
    expect(await service().ensureAdmin({ email: 'promotee@example.com', username: 'x' })).toBe('promoted');
    expect(await h.row(user.id)).toMatchObject({ role: 'admin', isActive: true, version: 2 });

    const lapsed = await seedOne('lapsed', { role: 'admin', isActive: false, isVerified: true });
    expect(await service().ensureAdmin({ email: 'lapsed@example.com', username: 'lapsed' })).toBe('promoted');
    expect(await h.row(lapsed.id)).toMatchObject({ role: 'admin', isActive: true });
    expect((await auditRows(h, { targetId: lapsed.id })).map((e) => e.action)).toContain('user.reactivated');
  });

  it('never promotes an unverified account unless told to; then its sessions end and its password is reset', async () => {
    const squatter = await h.account('Squatter');
    const claim = { email: squatter.email, username: 'x', password: 'operator password' };
    expect(await errorCodeOf(service().ensureAdmin(claim))).toBe('ADMIN_ACCOUNT_UNVERIFIED');
    expect(await h.row(squatter.id)).toMatchObject({ role: 'user' });
    expect((await h.caller(squatter.token).auth.me()).role).toBe('user');

    expect(await service().ensureAdmin(claim, { promote: true })).toBe('promoted');
    expect(await h.row(squatter.id)).toMatchObject({ role: 'admin', isActive: true });
    expect(await errorCodeOf(h.caller(squatter.token).auth.me())).toBe('INVALID_TOKEN');
    expect(await errorCodeOf(h.caller().auth.login({ username: squatter.email, password: PASSWORD }))).toBe(
      'INVALID_CREDENTIALS',
    );
    await h.caller().auth.login({ username: squatter.email, password: 'operator password' });

    // Without a password to give, --promote still ends the registrant's sessions.
    const other = await h.account('Other');
    expect(await service().ensureAdmin({ email: other.email, username: 'y' }, { promote: true })).toBe(
      'promoted',
    );
    expect(await errorCodeOf(h.caller(other.token).auth.me())).toBe('INVALID_TOKEN');
    const actions = (await auditRows(h, { targetId: other.id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.role_changed', 'admin.promoted_explicitly']));
  });

  it('needs a password to create an account', async () => {
    expect(await errorCodeOf(service().ensureAdmin({ email: 'ghost@example.com', username: 'ghost' }))).toBe(
      'USER_NOT_FOUND',
    );
    expect(await h.db.orm.em.fork().count(User, { email: 'ghost@example.com' })).toBe(0);
  });
});
