import { createTestDatabase } from '@roster/testing';
import { closeDatabase, migrateDatabase, openDatabase, type Database } from '../orm.js';

export interface MigratedTestDatabase {
  db: Database;
  /** Closes the connection and drops the database. */
  close(): Promise<void>;
}

/** A migrated database of the test file's own (TEST_DB picks SQLite or PostgreSQL). */
export async function openMigratedTestDatabase(): Promise<MigratedTestDatabase> {
  const testDb = await createTestDatabase();
  const db = await openDatabase(testDb.url);
  await migrateDatabase(db);
  return {
    db,
    async close() {
      await closeDatabase(db);
      await testDb.drop();
    },
  };
}
