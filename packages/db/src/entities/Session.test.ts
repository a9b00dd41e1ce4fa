import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../orm.js';
import { openMigratedTestDatabase } from '../test/database.js';
import { ActionToken } from './ActionToken.js';
import { RefreshToken } from './RefreshToken.js';
import { Session } from './Session.js';
import { User } from './User.js';

let db: Database;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase());
});
afterAll(() => close());

describe('sessions, refresh tokens and action tokens', () => {
  it('store their rows with defaults, and go with their account (foreign keys cascade)', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, { email: 'owner@example.com', username: 'owner', passwordHash: 'x' });
    await em.flush();
    expect(user.isVerified).toBe(false);
    const now = new Date();
    const later = new Date(now.getTime() + 60_000);
    const session = em.create(Session, {
      id: 'session-id-0123456789',
      userId: user.id,
      lastUsedAt: now,
      expiresAt: later,
    });
    await em.flush();
    em.create(RefreshToken, {
      sessionId: session.id,
      tokenHash: 'a'.repeat(64),
      createdAt: now,
      expiresAt: later,
    });
    const action = em.create(ActionToken, {
      userId: user.id,
      purpose: 'password_reset',
      tokenHash: 'b'.repeat(64),
      email: user.email,
      expiresAt: later,
    });
    await em.flush();

    const read = db.orm.em.fork();
    const stored = await read.findOneOrFail(Session, { id: session.id });
    expect(stored.createdAt).toBeInstanceOf(Date);
    expect(stored).toMatchObject({ userId: user.id, revokedAt: null, revokedReason: null, ip: null });
    expect(await read.findOneOrFail(RefreshToken, { sessionId: session.id })).toMatchObject({
      spentAt: null,
    });
    expect(await read.findOneOrFail(ActionToken, { id: action.id })).toMatchObject({
      purpose: 'password_reset',
      usedAt: null,
    });

    await read.nativeDelete(User, { id: user.id });
    expect(await read.count(Session, {})).toBe(0);
    expect(await read.count(RefreshToken, {})).toBe(0);
    expect(await read.count(ActionToken, {})).toBe(0);
  });

  it('refuses a second row with the same token hash', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, { email: 'dup@example.com', username: 'dup', passwordHash: 'x' });
    await em.flush();
    const row = () => ({
      userId: user.id,
      purpose: 'email_verification' as const,
      tokenHash: 'c'.repeat(64),
      email: user.email,
      expiresAt: new Date(Date.now() + 60_000),
    });
    em.create(ActionToken, row());
    await em.flush();
    const other = db.orm.em.fork();
    other.create(ActionToken, row());
    await expect(other.flush()).rejects.toThrow();
  });
});
