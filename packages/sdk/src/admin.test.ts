import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRosterClient, type RosterClient } from './index.js';
import { newUser, spawnServer, type SpawnedServer } from './test/server.js';
import { failure } from './test/calls.js';

// The admin procedures through the SDK, against the BUILT server started with a bootstrap admin (ADMIN_EMAIL).
const ADMIN = { email: 'root@example.com', username: 'root_admin', password: 'admin password 123' };
let server: SpawnedServer;
let admin: RosterClient;
let adminId: number;
beforeAll(async () => {
  server = await spawnServer({
    env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ADMIN_USERNAME: ADMIN.username },
  });
  admin = createRosterClient({ url: server.url });
  ({
    user: { id: adminId },
  } = await admin.login({ email: ADMIN.email, password: ADMIN.password }));
});
afterAll(() => server?.close());

describe('admin procedures', () => {
  it('are FORBIDDEN (403) to an account without the admin role', async () => {
    const input = newUser('plain');
    const plain = createRosterClient({ url: server.url });
    await plain.register(input);
    await plain.login(input);
    expect(await failure(plain.admin.listUsers.query({}))).toEqual({ code: 'FORBIDDEN', status: 403 });
    expect(await failure(plain.admin.stats.query())).toEqual({ code: 'FORBIDDEN', status: 403 });
  });

  it('createUser and getUser return the full record with last_login_at and version', async () => {
    const input = { ...newUser('made'), full_name: 'Made By Admin', role: 'user' as const };
    const created = await admin.admin.createUser.mutate(input);
    expect(created).toMatchObject({ username: input.username, full_name: 'Made By Admin', role: 'user' });
    expect(created.last_login_at).toBeNull();
    expect(created.version).toBeTypeOf('number');

    await createRosterClient({ url: server.url }).login({
      username: input.username,
      password: input.password,
    });
    const read = await admin.admin.getUser.query({ id: created.id });
    expect(read.last_login_at).toBeTypeOf('string');
    expect(await failure(admin.admin.getUser.query({ id: 2_000_000_000 }))).toEqual({
      code: 'USER_NOT_FOUND',
      status: 404,
    });
  });

  it('listUsers searches and pages with next_cursor, counting the total', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    for (let i = 0; i < 3; i += 1) await admin.admin.createUser.mutate(newUser(`${tag}_`));
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await admin.admin.listUsers.query({
        q: tag,
        sort: 'username',
        order: 'asc',
        limit: 2,
        cursor,
        include_total: 'true',
      });
      expect(page.total).toBe(3);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.next_cursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(new Set(seen).size).toBe(3);

    await admin.admin.updateUser.mutate({ id: seen[0] as number, is_active: false });
    const inactive = await admin.admin.listUsers.query({ q: tag, is_active: 'false' });
    expect(inactive.items.map((u) => u.id)).toEqual([seen[0]]);
  });

  it('updateUser with expected_version is a compare-and-swap: a stale version is VERSION_CONFLICT', async () => {
    const record = await admin.admin.createUser.mutate(newUser('cas'));
    const updated = await admin.admin.updateUser.mutate({
      id: record.id,
      bio: 'first',
      expected_version: record.version,
    });
    expect(updated.version).toBeGreaterThan(record.version);
    expect(
      await failure(
        admin.admin.updateUser.mutate({ id: record.id, bio: 'stale', expected_version: record.version }),
      ),
    ).toEqual({ code: 'VERSION_CONFLICT', status: 409 });
    expect((await admin.admin.getUser.query({ id: record.id })).bio).toBe('first');
  });

  it('keeps the last active admin: demoting it is LAST_ADMIN, deleting oneself CANNOT_DELETE_SELF', async () => {
    expect(await failure(admin.admin.updateUser.mutate({ id: adminId, role: 'user' }))).toEqual({
      code: 'LAST_ADMIN',
      status: 409,
    });
    expect(await failure(admin.admin.deleteUser.mutate({ id: adminId }))).toEqual({
      code: 'CANNOT_DELETE_SELF',
      status: 409,
    });
  });

  it('setPassword replaces the password; deleteUser removes the account', async () => {
    const input = newUser('pw');
    const { id } = await admin.admin.createUser.mutate(input);
    await expect(
      admin.admin.setPassword.mutate({ id, password: 'another horse battery' }),
    ).resolves.toBeUndefined();
    const client = createRosterClient({ url: server.url });
    expect(await failure(client.login(input))).toEqual({ code: 'INVALID_CREDENTIALS', status: 401 });
    await expect(client.login({ ...input, password: 'another horse battery' })).resolves.toHaveProperty(
      'user.id',
      id,
    );

    await expect(admin.admin.deleteUser.mutate({ id })).resolves.toBeUndefined();
    expect(await failure(admin.admin.getUser.query({ id }))).toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('stats counts accounts; audit lists what admins did', async () => {
    const stats = await admin.admin.stats.query();
    expect(stats.admins).toBe(1);
    expect(stats.total).toBe(stats.active + stats.inactive);
    expect(stats.signups_per_day.length).toBeGreaterThan(0);

    const { id } = await admin.admin.createUser.mutate(newUser('audited'));
    await admin.admin.setPassword.mutate({ id, password: 'another horse battery' });
    const audit = await admin.admin.audit.query({ target_id: id, limit: 20 });
    expect(audit.items.map((e) => e.action)).toContain('admin.password_set');
    expect(audit.items.every((e) => e.target_id === id)).toBe(true);
    expect(audit.next_cursor).toBeNull();
  });
});
