import { ApiKey } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimits } from '../ratelimit/service.js';
import { rateLimitTable } from '../ratelimit/rules.js';
import { KEY_TOUCH_INTERVAL_MS, MAX_LIVE_KEYS } from '../services/api-keys.js';
import { hashToken } from '../services/secrets.js';
import { auditRows, seededAccount } from '../test/admin.js';
import { createHarness, errorCodeOf, TEST_SETTINGS, type Account, type Harness } from '../test/harness.js';

// API keys at the API level: the key management procedures, and what a key may do on every other procedure —
// scopes, refusals, and the owner's state as the database says it on the very next call.

let h: Harness;
let ada: Account;
let boss: Account;
/** Tight enough to reach in a test: 20 calls a minute per key. */
const rateLimits = RateLimits.create(rateLimitTable('apiKey.key=20/1m,register.ip=1000/1h'));

beforeAll(async () => {
  h = await createHarness(TEST_SETTINGS, { rateLimits });
  ada = await h.account('Ada');
  boss = await seededAccount(h, 'boss');
});
afterAll(() => h.close());

const keyOf = (owner: Account, scopes: string[], extra: { expires_in_days?: number; name?: string } = {}) =>
  h.caller(owner.token).auth.createApiKey({
    name: extra.name ?? 'script',
    scopes: scopes as never,
    ...(extra.expires_in_days ? { expires_in_days: extra.expires_in_days } : {}),
  });

const keyRow = (id: number) => h.db.orm.em.fork().findOneOrFail(ApiKey, { id });

describe('auth.createApiKey', () => {
  it('answers the key once, rst_ and 256 bits, and stores only its SHA-256', async () => {
    const created = await keyOf(ada, ['profile:read', 'users:read'], { expires_in_days: 30, name: 'backup' });
    expect(created.key).toMatch(/^rst_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      user_id: ada.id,
      name: 'backup',
      prefix: created.key.slice(0, 12),
      scopes: ['profile:read', 'users:read'],
      last_used_at: null,
    });
    const days = (Date.parse(created.expires_at) - Date.parse(created.created_at)) / 86_400_000;
    expect(days).toBeCloseTo(30, 5);
    const row = await keyRow(created.id);
    expect(row.keyHash).toBe(hashToken(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    const [event] = await auditRows(h, { action: 'api_key.created', targetId: ada.id });
    expect(event).toMatchObject({ actorId: ada.id, details: { key_id: created.id, prefix: created.prefix } });
    expect(JSON.stringify(event)).not.toContain(created.key.slice(12));
  });

  it('defaults to 90 days, and refuses bad input with 422', async () => {
    const created = await keyOf(ada, ['profile:read']);
    const days = (Date.parse(created.expires_at) - Date.parse(created.created_at)) / 86_400_000;
    expect(days).toBeCloseTo(90, 5);
    const create = h.caller(ada.token).auth.createApiKey;
    for (const input of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['profile:read', 'profile:read'] },
      { name: 'x', scopes: ['root'] },
      { name: '', scopes: ['profile:read'] },
      { name: 'x', scopes: ['profile:read'], expires_in_days: 366 },
      { name: 'x', scopes: ['profile:read'], owner: boss.id },
    ]) {
      expect(await errorCodeOf(create(input as never)), JSON.stringify(input)).toBe('VALIDATION_ERROR');
    }
  });

  it('gives admin scopes to admins only', async () => {
    await expect(keyOf(ada, ['admin:read'])).rejects.toMatchObject({ appCode: 'FORBIDDEN', status: 403 });
    expect((await keyOf(boss, ['admin:read', 'admin:write'])).scopes).toEqual(['admin:read', 'admin:write']);
  });

  it(`holds at most ${MAX_LIVE_KEYS} live keys per account`, async () => {
    const many = await h.account('Many');
    for (let i = 0; i < MAX_LIVE_KEYS; i += 1) await keyOf(many, ['profile:read']);
    expect(await errorCodeOf(keyOf(many, ['profile:read']))).toBe('API_KEY_LIMIT');
    const [first] = await h.caller(many.token).auth.apiKeys();
    await h.caller(many.token).auth.revokeApiKey({ id: first!.id });
    expect((await keyOf(many, ['profile:read'])).scopes).toEqual(['profile:read']);
  });
});

describe('auth.apiKeys and auth.revokeApiKey', () => {
  it("lists the caller's unrevoked keys, newest first, never the key; revoking stops it at once", async () => {
    const owner = await h.account('Lister');
    const one = await keyOf(owner, ['profile:read'], { name: 'one' });
    const two = await keyOf(owner, ['profile:read'], { name: 'two' });
    const list = await h.caller(owner.token).auth.apiKeys();
    expect(list.map((k) => k.name)).toEqual(['two', 'one']);
    expect(list.every((k) => !('key' in k))).toBe(true);

    expect((await h.caller(two.key).auth.me()).id).toBe(owner.id);
    await h.caller(owner.token).auth.revokeApiKey({ id: two.id });
    expect(await errorCodeOf(h.caller(two.key).auth.me())).toBe('INVALID_TOKEN');
    expect((await h.caller(owner.token).auth.apiKeys()).map((k) => k.id)).toEqual([one.id]);
    const [event] = await auditRows(h, { action: 'api_key.revoked', targetId: owner.id });
    expect(event).toMatchObject({ actorId: owner.id, details: { key_id: two.id } });
  });

  it("is 404 for someone else's key, an unknown one and one already revoked", async () => {
    const theirs = await keyOf(boss, ['profile:read']);
    const revoke = (id: number) => h.caller(ada.token).auth.revokeApiKey({ id });
    expect(await errorCodeOf(revoke(theirs.id))).toBe('API_KEY_NOT_FOUND');
    expect(await errorCodeOf(revoke(2_000_000_000))).toBe('API_KEY_NOT_FOUND');
    const mine = await keyOf(ada, ['profile:read']);
    await revoke(mine.id);
    expect(await errorCodeOf(revoke(mine.id))).toBe('API_KEY_NOT_FOUND');
    expect((await h.caller(theirs.key).auth.me()).id).toBe(boss.id);
  });
});

describe('admin.userApiKeys and admin.revokeApiKey', () => {
  it("let admins list and revoke any account's keys, audited", async () => {
    const owner = await h.account('Watched');
    const key = await keyOf(owner, ['users:read']);
    const admin = h.caller(boss.token).admin;
    expect((await admin.userApiKeys({ id: owner.id })).map((k) => k.id)).toEqual([key.id]);
    expect(await errorCodeOf(admin.userApiKeys({ id: 2_000_000_000 }))).toBe('USER_NOT_FOUND');
    await admin.revokeApiKey({ id: key.id });
    expect(await errorCodeOf(h.caller(key.key).users.list({}))).toBe('INVALID_TOKEN');
    expect(await admin.userApiKeys({ id: owner.id })).toEqual([]);
    expect(await errorCodeOf(admin.revokeApiKey({ id: key.id }))).toBe('API_KEY_NOT_FOUND');
    const [event] = await auditRows(h, { action: 'admin.api_key_revoked', targetId: owner.id });
    expect(event).toMatchObject({ actorId: boss.id, details: { key_id: key.id } });
  });

  it('are FORBIDDEN to non-admins', async () => {
    expect(await errorCodeOf(h.caller(ada.token).admin.userApiKeys({ id: ada.id }))).toBe('FORBIDDEN');
    expect(await errorCodeOf(h.caller(ada.token).admin.revokeApiKey({ id: 1 }))).toBe('FORBIDDEN');
  });
});

describe('calling with a key', () => {
  it('works within its scopes and answers INSUFFICIENT_SCOPE outside them', async () => {
    const owner = await h.account('Scoped');
    const reader = await keyOf(owner, ['profile:read']);
    expect(await h.caller(reader.key).auth.me()).toMatchObject({ id: owner.id });
    expect(await errorCodeOf(h.caller(reader.key).users.list({}))).toBe('INSUFFICIENT_SCOPE');
    expect(await errorCodeOf(h.caller(reader.key).users.patchMe({ bio: 'no' }))).toBe('INSUFFICIENT_SCOPE');
    const writer = await keyOf(owner, ['profile:write', 'users:read']);
    expect(await h.caller(writer.key).users.patchMe({ bio: 'by key' })).toMatchObject({ bio: 'by key' });
    expect((await h.caller(writer.key).users.byId({ id: ada.id })).id).toBe(ada.id);
  });

  it('is FORBIDDEN_FOR_API_KEY on passwords, email, sessions, deactivation and keys, whatever its scopes', async () => {
    const owner = await h.account('AllScopes');
    const { key } = await keyOf(owner, ['profile:read', 'profile:write', 'users:read']);
    const c = h.caller(key);
    const refused: [string, () => Promise<unknown>][] = [
      [
        'changePassword',
        () => c.auth.changePassword({ current_password: 'x', new_password: 'long enough 1' }),
      ],
      ['requestVerification', () => c.auth.requestVerification()],
      ['email change', () => c.users.patchMe({ email: 'new@example.com', current_password: 'x' })],
      ['logout', () => c.auth.logout()],
      ['logoutAll', () => c.auth.logoutAll()],
      ['sessions', () => c.auth.sessions()],
      ['revokeSession', () => c.auth.revokeSession({ id: 'abcdefghijklmnopqrstuv' })],
      ['deactivateMe', () => c.users.deactivateMe()],
      ['createApiKey', () => c.auth.createApiKey({ name: 'more', scopes: ['profile:read'] })],
      ['apiKeys', () => c.auth.apiKeys()],
      ['revokeApiKey', () => c.auth.revokeApiKey({ id: 1 })],
    ];
    for (const [name, call] of refused) expect(await errorCodeOf(call()), name).toBe('FORBIDDEN_FOR_API_KEY');
    // The same email is no change: the rest of the profile may still be edited.
    expect(await c.users.patchMe({ email: owner.email, bio: 'same address' })).toMatchObject({
      bio: 'same address',
    });
    expect((await h.row(owner.id))?.isActive).toBe(true);
  });

  it('needs the admin role on every use for admin scopes: a demoted owner is FORBIDDEN on the next call', async () => {
    const deputy = await seededAccount(h, 'deputy');
    const { key } = await keyOf(deputy, ['admin:read', 'admin:write', 'users:read']);
    expect((await h.caller(key).admin.stats()).total).toBeGreaterThan(0);
    expect(await errorCodeOf(h.caller(key).admin.setPassword({ id: ada.id, password: 'hijacked pw' }))).toBe(
      'FORBIDDEN_FOR_API_KEY',
    );
    expect(await errorCodeOf(h.caller(key).admin.impersonate({ id: ada.id, reason: 'scripted' }))).toBe(
      'FORBIDDEN_FOR_API_KEY',
    );
    await h.caller(boss.token).admin.updateUser({ id: deputy.id, role: 'user' });
    expect(await errorCodeOf(h.caller(key).admin.stats())).toBe('FORBIDDEN');
    // Its other scopes keep working.
    expect((await h.caller(key).users.list({})).length).toBeGreaterThan(0);
    const reader = await keyOf(boss, ['admin:read']);
    expect(await errorCodeOf(h.caller(reader.key).admin.deleteUser({ id: ada.id }))).toBe(
      'INSUFFICIENT_SCOPE',
    );
  });

  it('stops on the next call when its owner is deactivated or deleted, or it expires', async () => {
    const owner = await h.account('Fleeting');
    const { key, id } = await keyOf(owner, ['profile:read']);
    expect((await h.caller(key).auth.me()).id).toBe(owner.id);
    await h.setColumns(owner.id, { isActive: false });
    await expect(h.caller(key).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      message: 'Account is deactivated',
    });
    await h.setColumns(owner.id, { isActive: true });
    expect((await h.caller(key).auth.me()).id).toBe(owner.id);

    await h.db.orm.em.fork().nativeUpdate(ApiKey, { id }, { expiresAt: new Date(Date.now() - 1000) });
    await expect(h.caller(key).auth.me()).rejects.toMatchObject({
      appCode: 'INVALID_TOKEN',
      message: 'API key has expired',
    });

    const other = await keyOf(owner, ['profile:read']);
    await h.caller(boss.token).admin.deleteUser({ id: owner.id });
    expect(await errorCodeOf(h.caller(other.key).auth.me())).toBe('INVALID_TOKEN');
    expect(await h.db.orm.em.fork().count(ApiKey, { userId: owner.id })).toBe(0);
  });

  it('refuses an unknown rst_ key as INVALID_TOKEN', async () => {
    expect(await errorCodeOf(h.caller(`rst_${'A'.repeat(43)}`).auth.me())).toBe('INVALID_TOKEN');
  });

  it('writes last_used_at on first use, then at most once a minute', async () => {
    const owner = await h.account('Touchy');
    const { key, id } = await keyOf(owner, ['profile:read']);
    expect((await keyRow(id)).lastUsedAt).toBeNull();
    await h.caller(key).auth.me();
    const first = (await keyRow(id)).lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await h.caller(key).auth.me();
    expect((await keyRow(id)).lastUsedAt).toEqual(first);
    const old = new Date(Date.now() - KEY_TOUCH_INTERVAL_MS - 1000);
    await h.db.orm.em.fork().nativeUpdate(ApiKey, { id }, { lastUsedAt: old });
    await h.caller(key).auth.me();
    expect((await keyRow(id)).lastUsedAt!.getTime()).toBeGreaterThan(old.getTime());
    const [listed] = await h.caller(owner.token).auth.apiKeys();
    expect(listed?.last_used_at).toEqual(expect.any(String));
  });

  it('is limited per key (apiKey.key), on every procedure; other keys and logins are not', async () => {
    const owner = await h.account('Busy');
    const busy = await keyOf(owner, ['profile:read', 'users:read']);
    const calm = await keyOf(owner, ['profile:read']);
    for (let i = 0; i < 18; i += 1) await h.caller(busy.key).auth.me();
    await h.caller(busy.key).users.list({});
    await h.caller(busy.key).users.byId({ id: owner.id });
    await expect(h.caller(busy.key).auth.me()).rejects.toMatchObject({
      appCode: 'RATE_LIMITED',
      headers: { 'Retry-After': expect.stringMatching(/^\d+$/) },
    });
    expect((await h.caller(calm.key).auth.me()).id).toBe(owner.id);
    expect((await h.caller(owner.token).auth.me()).id).toBe(owner.id);
  });
});
