import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../orm.js';
import { openMigratedTestDatabase } from '../test/database.js';
import { ApiKey } from './ApiKey.js';
import { Session } from './Session.js';
import { User } from './User.js';

let db: Database;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase());
});
afterAll(() => close());

const later = () => new Date(Date.now() + 86_400_000);

describe('api keys', () => {
  it('store scopes as a list, default the optional columns, and go with their owner', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, { email: 'keys@example.com', username: 'keys', passwordHash: 'x' });
    await em.flush();
    const key = em.create(ApiKey, {
      userId: user.id,
      name: 'deploy script',
      prefix: 'rst_abcdefgh',
      keyHash: 'd'.repeat(64),
      scopes: ['profile:read', 'users:read'],
      expiresAt: later(),
    });
    await em.flush();

    const read = db.orm.em.fork();
    const stored = await read.findOneOrFail(ApiKey, { keyHash: 'd'.repeat(64) });
    expect(stored).toMatchObject({
      id: key.id,
      userId: user.id,
      scopes: ['profile:read', 'users:read'],
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(stored.createdAt).toBeInstanceOf(Date);
    expect(stored.expiresAt).toBeInstanceOf(Date);

    await read.nativeDelete(User, { id: user.id });
    expect(await read.count(ApiKey, {})).toBe(0);
  });

  it('refuses a second key with the same hash', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, { email: 'dupkey@example.com', username: 'dupkey', passwordHash: 'x' });
    await em.flush();
    const row = () => ({
      userId: user.id,
      name: 'k',
      prefix: 'rst_x',
      keyHash: 'e'.repeat(64),
      scopes: ['profile:read'],
      expiresAt: later(),
    });
    em.create(ApiKey, row());
    await em.flush();
    const other = db.orm.em.fork();
    other.create(ApiKey, row());
    await expect(other.flush()).rejects.toThrow();
  });
});

describe('impersonation sessions', () => {
  it('keep who impersonates and why; ordinary sessions leave both null', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, { email: 'acted@example.com', username: 'acted', passwordHash: 'x' });
    await em.flush();
    const now = new Date();
    em.create(Session, { id: 'plain-session-0123456', userId: user.id, lastUsedAt: now, expiresAt: later() });
    em.create(Session, {
      id: 'acted-session-0123456',
      userId: user.id,
      lastUsedAt: now,
      expiresAt: later(),
      impersonatorId: 9999,
      impersonationReason: 'ticket 42',
    });
    await em.flush();
    const read = db.orm.em.fork();
    expect(await read.findOneOrFail(Session, { id: 'plain-session-0123456' })).toMatchObject({
      impersonatorId: null,
      impersonationReason: null,
    });
    expect(await read.findOneOrFail(Session, { id: 'acted-session-0123456' })).toMatchObject({
      impersonatorId: 9999,
      impersonationReason: 'ticket 42',
    });
  });
});
