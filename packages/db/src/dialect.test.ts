import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectOf } from './dialect.js';
import { closeDatabase, openDatabase, type Database } from './orm.js';

describe('dialectOf', () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url);
  });
  afterAll(async () => {
    await closeDatabase(db);
    await testDb.drop();
  });

  it("names the test database's own dialect, for the root EntityManager and its forks", () => {
    expect(dialectOf(db.orm.em)).toBe(testDb.kind);
    expect(dialectOf(db.orm.em.fork())).toBe(testDb.kind);
  });

  it.each([
    ['sqlite::memory:', 'sqlite'],
    // Never connected: the dialect comes from the driver, not from a live server.
    ['postgresql://nobody@127.0.0.1:1/nowhere', 'postgresql'],
  ])('names the dialect of %s', async (url, kind) => {
    const other = await openDatabase(url, { overrides: { connect: false } });
    try {
      expect(other.kind).toBe(kind);
      expect(dialectOf(other.orm.em.fork())).toBe(kind);
    } finally {
      await closeDatabase(other);
    }
  });
});
