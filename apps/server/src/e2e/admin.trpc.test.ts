import type { RosterClient } from '@roster/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, registerAndLogin, type Session } from '../test/accounts.js';
import {
  ROOT,
  sdk,
  sdkFailure,
  startWithRoot,
  walk,
  type AdminSession,
  type AuditEventOut,
} from '../test/admin.js';

// The admin procedures on the tRPC surface: through the typed SDK, and raw batches that mix callers' rights.
let s: AdminSession;
let root: RosterClient;
let plain: Session;

beforeAll(async () => {
  s = await startWithRoot();
  root = sdk(s.server, s.rootToken);
  plain = await registerAndLogin(s.server, 'plain');
});
afterAll(() => s.server.close());

/** One valid call of every admin procedure. */
const calls = (c: RosterClient, id: number): [string, () => Promise<unknown>][] => [
  ['listUsers', () => c.admin.listUsers.query({})],
  ['createUser', () => c.admin.createUser.mutate(newAccount('never'))],
  ['getUser', () => c.admin.getUser.query({ id })],
  ['updateUser', () => c.admin.updateUser.mutate({ id, bio: 'never' })],
  ['setPassword', () => c.admin.setPassword.mutate({ id, password: 'never-password' })],
  ['deleteUser', () => c.admin.deleteUser.mutate({ id })],
  ['stats', () => c.admin.stats.query()],
  ['audit', () => c.admin.audit.query({})],
];

type BatchItem = { result?: { data: unknown }; error?: { data: { code: string; httpStatus: number } } };
const errorsOf = (items: BatchItem[]) =>
  items.map((i) => (i.error ? [i.error.data.code, i.error.data.httpStatus] : 'ok'));
const batchInput = (inputs: unknown[]) =>
  encodeURIComponent(JSON.stringify(Object.fromEntries(inputs.map((input, i) => [i, input]))));

describe('access over tRPC', () => {
  it('answers 401 without a token and with a bad one, on every admin procedure', async () => {
    for (const [token, code] of [
      [undefined, 'NOT_AUTHENTICATED'],
      ['x.y.z', 'INVALID_TOKEN'],
    ] as const) {
      for (const [name, call] of calls(sdk(s.server, token), s.root.id)) {
        expect(await sdkFailure(call()), name).toEqual({ code, status: 401 });
      }
    }
  });

  it('answers 403 FORBIDDEN to a user on every admin procedure, and changes nothing', async () => {
    for (const [name, call] of calls(sdk(s.server, plain.token), s.root.id)) {
      expect(await sdkFailure(call()), name).toEqual({ code: 'FORBIDDEN', status: 403 });
    }
    expect(await root.admin.getUser.query({ id: s.root.id })).toMatchObject({
      bio: null,
      version: s.root.version,
    });
  });

  it('refuses the admin calls of a batch one by one, and answers the rest (GET batch)', async () => {
    const input = batchInput([undefined, {}, undefined, { id: s.root.id }]);
    const path = `/trpc/auth.me,admin.listUsers,admin.stats,admin.getUser?batch=1&input=${input}`;
    const asUser = await s.req<BatchItem[]>('GET', path, { token: plain.token });
    expect(asUser.status).toBe(207);
    expect(errorsOf(asUser.body)).toEqual(['ok', ['FORBIDDEN', 403], ['FORBIDDEN', 403], ['FORBIDDEN', 403]]);
    const anonymous = await s.req<BatchItem[]>('GET', path);
    expect(errorsOf(anonymous.body)).toEqual(Array(4).fill(['NOT_AUTHENTICATED', 401]));
    const asRoot = await s.req<BatchItem[]>('GET', path, { token: s.rootToken });
    expect(asRoot.status).toBe(200);
    expect(errorsOf(asRoot.body)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('refuses every admin mutation of a POST batch and carries none of them out', async () => {
    const victim = newAccount('batchvictim');
    const target = await registerAndLogin(s.server, 'batchtarget');
    const body = {
      0: { ...victim },
      1: { id: target.user.id, role: 'admin' },
      2: { id: target.user.id, password: 'batch password' },
      3: { id: target.user.id },
      4: { email: target.account.email, username: target.account.username },
    };
    const path =
      '/trpc/admin.createUser,admin.updateUser,admin.setPassword,admin.deleteUser,users.updateMe?batch=1';
    const res = await s.req<BatchItem[]>('POST', path, { token: target.token, json: body });
    expect(errorsOf(res.body)).toEqual([...Array(4).fill(['FORBIDDEN', 403]), 'ok']);
    expect((await root.admin.listUsers.query({ q: victim.username, include_total: 'true' })).total).toBe(0);
    expect(await root.admin.getUser.query({ id: target.user.id })).toMatchObject({
      role: 'user',
      version: 1,
    });
    await sdk(s.server).login({ username: target.account.email, password: target.account.password });
  });

  it('batches SDK calls and fails each admin call of a user on its own', async () => {
    const c = sdk(s.server, plain.token);
    const results = await Promise.allSettled([
      c.auth.me.query(),
      c.admin.stats.query(),
      c.admin.listUsers.query({}),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
  });
});

describe('the admin procedures through the SDK', () => {
  it('create → get → list → update (versioned) → password → delete', async () => {
    const account = newAccount('sdkmade', { full_name: 'Sdk Made' });
    const created = await root.admin.createUser.mutate({ ...account, role: 'admin', is_active: false });
    expect(created).toMatchObject({ email: account.email, role: 'admin', is_active: false, version: 1 });
    expect(await root.admin.getUser.query({ id: created.id })).toEqual(created);

    const found = await root.admin.listUsers.query({
      q: 'SDK MADE',
      role: 'admin',
      is_active: 'false',
      include_total: 'true',
    });
    expect(found).toEqual({ items: [created], next_cursor: null, total: 1 });

    const updated = await root.admin.updateUser.mutate({
      id: created.id,
      is_active: true,
      expected_version: 1,
    });
    expect(updated).toMatchObject({ is_active: true, version: 2 });
    const stale = root.admin.updateUser.mutate({ id: created.id, bio: 'late', expected_version: 1 });
    expect(await sdkFailure(stale)).toEqual({ code: 'VERSION_CONFLICT', status: 409 });
    // If-Match travels as a header on the tRPC surface too.
    const ifMatch = (v: number) => sdk(s.server, s.rootToken, { 'if-match': `"${v}"` });
    expect(await sdkFailure(ifMatch(1).admin.updateUser.mutate({ id: created.id, bio: 'late' }))).toEqual({
      code: 'VERSION_CONFLICT',
      status: 409,
    });
    expect((await ifMatch(2).admin.updateUser.mutate({ id: created.id, bio: 'now' })).version).toBe(3);

    expect(
      await root.admin.setPassword.mutate({ id: created.id, password: 'via trpc secret' }),
    ).toBeUndefined();
    const fresh = sdk(s.server);
    expect(await sdkFailure(fresh.login({ username: account.email, password: account.password }))).toEqual({
      code: 'INVALID_CREDENTIALS',
      status: 401,
    });
    await fresh.login({ username: account.email, password: 'via trpc secret' });
    expect((await fresh.admin.stats.query()).admins).toBe(2);

    expect(await root.admin.deleteUser.mutate({ id: created.id })).toBeUndefined();
    expect(await sdkFailure(root.admin.getUser.query({ id: created.id }))).toEqual({
      code: 'USER_NOT_FOUND',
      status: 404,
    });
    expect(await sdkFailure(fresh.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
  });

  it('answers the conflict codes: LAST_ADMIN, CANNOT_DELETE_SELF, USER_ALREADY_EXISTS, INVALID_CURSOR', async () => {
    expect(await sdkFailure(root.admin.updateUser.mutate({ id: s.root.id, role: 'user' }))).toEqual({
      code: 'LAST_ADMIN',
      status: 409,
    });
    expect(await sdkFailure(root.admin.deleteUser.mutate({ id: s.root.id }))).toEqual({
      code: 'CANNOT_DELETE_SELF',
      status: 409,
    });
    expect(await sdkFailure(root.admin.createUser.mutate(newAccount('dup', { email: ROOT.email })))).toEqual({
      code: 'USER_ALREADY_EXISTS',
      status: 409,
    });
    const { next_cursor } = await root.admin.listUsers.query({ limit: 1, sort: 'email' });
    expect(await sdkFailure(root.admin.listUsers.query({ sort: 'username', cursor: next_cursor! }))).toEqual({
      code: 'INVALID_CURSOR',
      status: 422,
    });
    expect(await sdkFailure(root.admin.audit.query({ cursor: 'nope' }))).toEqual({
      code: 'INVALID_CURSOR',
      status: 422,
    });
    const sneaky = { id: s.root.id, password: 'x'.repeat(10) } as never;
    expect(await sdkFailure(root.admin.updateUser.mutate(sneaky))).toEqual({
      code: 'VALIDATION_ERROR',
      status: 422,
    });
  });

  it('pages the list and the audit log with next_cursor', async () => {
    const total = (await root.admin.listUsers.query({ limit: 100, include_total: 'true' })).total ?? -1;
    const users = await walk((cursor) =>
      root.admin.listUsers.query({ limit: 2, sort: 'username', order: 'asc', cursor }),
    );
    expect(users.items).toHaveLength(total);
    expect(users.items.map((x) => x.username)).toEqual(users.items.map((x) => x.username).sort());
    const audit = await walk<AuditEventOut>((cursor) => root.admin.audit.query({ limit: 5, cursor }));
    expect(new Set(audit.items.map((e) => e.id)).size).toBe(audit.items.length);
    expect(audit.items.length).toBe((await root.admin.audit.query({ limit: 100 })).items.length);
  });

  it('a demoted admin is refused on the next call; a deactivated one is logged out', async () => {
    const account = newAccount('sdkadmin');
    const made = await root.admin.createUser.mutate({ ...account, role: 'admin' });
    const them = sdk(s.server);
    await them.login({ username: account.username, password: account.password });
    expect((await them.admin.stats.query()).admins).toBe(2);
    await root.admin.updateUser.mutate({ id: made.id, role: 'user' });
    expect(await sdkFailure(them.admin.stats.query())).toEqual({ code: 'FORBIDDEN', status: 403 });
    expect((await them.auth.me.query()).role).toBe('user');
    await root.admin.updateUser.mutate({ id: made.id, is_active: false });
    expect(await sdkFailure(them.auth.me.query())).toEqual({ code: 'INVALID_TOKEN', status: 401 });
  });
});
