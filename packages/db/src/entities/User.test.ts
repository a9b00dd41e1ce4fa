import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../orm.js';
import { openMigratedTestDatabase } from '../test/database.js';
import { ROLES, User, UserSchema } from './User.js';
import { entities } from './index.js';

let db: Database;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase());
});
afterAll(() => close());

let em: EntityManager;
beforeEach(async () => {
  em = db.orm.em.fork();
  await em.nativeDelete(User, {});
});

function newUser(email: string, username: string): User {
  return em.create(User, { email, username, passwordHash: 'hash-of-' + username });
}

async function insert(email: string, username: string): Promise<User> {
  const user = newUser(email, username);
  await em.flush();
  return user;
}

/** Inserts in a fresh EntityManager so one failure leaves the shared one clean. */
async function insertAlone(email: string, username: string): Promise<void> {
  const fork = db.orm.em.fork();
  fork.create(User, { email, username, passwordHash: 'x' });
  await fork.flush();
}

describe('User entity', () => {
  it('is registered, mapped to the users table', () => {
    expect(entities).toContain(UserSchema);
    expect(UserSchema.meta.tableName).toBe('users');
    expect(ROLES).toEqual(['user', 'admin']);
  });

  it('fills defaults on insert: role user, active, timestamps, no profile or last login', async () => {
    const before = Date.now();
    const user = await insert('ada@example.com', 'ada');
    expect(user.id).toBeGreaterThan(0);

    const fresh = await db.orm.em.fork().findOneOrFail(User, { id: user.id }, { populate: ['passwordHash'] });
    expect(fresh).toMatchObject({
      email: 'ada@example.com',
      username: 'ada',
      fullName: null,
      bio: null,
      role: 'user',
      isActive: true,
      lastLoginAt: null,
      passwordHash: 'hash-of-ada',
    });
    expect(fresh.createdAt).toBeInstanceOf(Date);
    expect(fresh.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(fresh.updatedAt.getTime()).toBeGreaterThanOrEqual(fresh.createdAt.getTime());
  });

  it('fills cleared timestamps again when the row is inserted (onCreate hooks)', async () => {
    const user = newUser('hooks@example.com', 'hooks');
    user.createdAt = null as unknown as Date;
    user.updatedAt = null as unknown as Date;
    const before = Date.now();
    await em.flush();
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user.updatedAt).toBeInstanceOf(Date);
    expect(user.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    const fresh = await db.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(fresh.createdAt.toISOString()).toBe(user.createdAt.toISOString());
  });

  it('loads the password hash lazily', async () => {
    const user = await insert('lazy@example.com', 'lazy');
    const fresh = await db.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(fresh.passwordHash).toBeUndefined();
  });

  it('moves updated_at forward on change and keeps created_at', async () => {
    const user = await insert('upd@example.com', 'upd');
    const created = user.createdAt.getTime();
    const updated = user.updatedAt.getTime();
    await new Promise((r) => setTimeout(r, 15));
    user.bio = 'changed';
    await em.flush();
    const fresh = await db.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(fresh.bio).toBe('changed');
    expect(fresh.createdAt.getTime()).toBe(created);
    expect(fresh.updatedAt.getTime()).toBeGreaterThan(updated);
  });

  it('a loaded account is not dirty: flushing another change leaves its row alone', async () => {
    const user = await insert('clean@example.com', 'clean');
    const other = await insert('other@example.com', 'other');
    const fork = db.orm.em.fork();
    const loaded = await fork.findOneOrFail(User, { id: user.id });
    const changed = await fork.findOneOrFail(User, { id: other.id });
    await new Promise((r) => setTimeout(r, 15));
    changed.bio = 'changed';
    fork.getUnitOfWork().computeChangeSets();
    expect(
      fork
        .getUnitOfWork()
        .getChangeSets()
        .map((cs) => cs.entity),
    ).toEqual([changed]);
    await fork.flush();
    const fresh = await db.orm.em.fork().findOneOrFail(User, { id: loaded.id });
    expect(fresh.updatedAt.getTime()).toBe(user.updatedAt.getTime());
  });

  it('round-trips role, is_active and last_login_at', async () => {
    const user = await insert('admin@example.com', 'boss');
    const at = new Date('2026-01-31T12:00:00.000Z');
    user.role = 'admin';
    user.isActive = false;
    user.lastLoginAt = at;
    await em.flush();
    const fresh = await db.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(fresh.role).toBe('admin');
    expect(fresh.isActive).toBe(false);
    expect(fresh.lastLoginAt?.toISOString()).toBe(at.toISOString());
  });
});

describe('uniqueness enforced by the database', () => {
  it('refuses a second account with the same email', async () => {
    await insert('same@example.com', 'first');
    await expect(insertAlone('same@example.com', 'second')).rejects.toBeInstanceOf(
      UniqueConstraintViolationException,
    );
    expect(await em.count(User, { email: 'same@example.com' })).toBe(1);
  });

  it("refuses 'alice' once 'Alice' exists: usernames are unique case-insensitively", async () => {
    await insert('alice1@example.com', 'Alice');
    await expect(insertAlone('alice2@example.com', 'alice')).rejects.toBeInstanceOf(
      UniqueConstraintViolationException,
    );
    await expect(insertAlone('alice3@example.com', 'ALICE')).rejects.toBeInstanceOf(
      UniqueConstraintViolationException,
    );
    expect(await em.count(User)).toBe(1);
  });

  it('names the violated index in the error', async () => {
    await insert('idx@example.com', 'Indexed');
    const byUsername = await insertAlone('other@example.com', 'indexed').catch((e: Error) => e);
    expect(String(byUsername)).toMatch(/users_username_lower_unique/);
    const byEmail = await insertAlone('idx@example.com', 'different').catch((e: Error) => e);
    expect(String(byEmail)).toMatch(/users_email_unique|users\.email/);
  });

  it('allows distinct usernames and emails side by side', async () => {
    await insert('a@example.com', 'alpha');
    await insert('b@example.com', 'alphabet');
    await insert('c@example.com', 'Alpha.2');
    expect(await em.count(User)).toBe(3);
  });
});
