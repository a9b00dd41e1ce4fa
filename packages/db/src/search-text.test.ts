import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from './entities/index.js';
import { closeDatabase, migrateDatabase, openDatabase, type Database } from './orm.js';
import { fillFoldedNames, foldedName, foldSearch } from './search-text.js';

describe('foldSearch', () => {
  it.each([
    ['Ada LOVELACE', 'ada lovelace'],
    ['ÉLODIE', 'élodie'],
    ['ΣΟΦΊΑ', 'σοφία'],
    // One character at a time, as PostgreSQL's lower(): no final sigma, and İ is i (not i + U+0307).
    ['ΟΔΥΣΣΕΥΣ', 'οδυσσευσ'],
    ['Οδυσσεύς', 'οδυσσεύς'],
    ['İSTANBUL', 'istanbul'],
    ['IŞIK', 'işik'],
    ['ДМИТРИЙ', 'дмитрий'],
    ['STRAẞE', 'straße'],
    ['straße', 'straße'],
    ['ǅ', 'ǆ'],
    ['𐐀', '𐐨'],
    ['', ''],
  ])('%j → %j', (text, folded) => {
    expect(foldSearch(text)).toBe(folded);
  });

  it('composes first (NFC): a decomposed é is the precomposed one', () => {
    expect(foldSearch('E\u0301LODIE')).toBe('élodie');
  });
});

describe('foldedName', () => {
  it('folds a name and keeps a missing one missing', () => {
    expect(foldedName('ÁDA K')).toBe('áda k');
    expect(foldedName(null)).toBeNull();
  });
});

describe('full_name_folded on the test database', () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url);
    await migrateDatabase(db);
  });
  afterAll(async () => {
    await closeDatabase(db);
    await testDb.drop();
  });

  const stored = async (where: string, params: unknown[] = []) => {
    const rows = (await db.orm.em
      .getConnection()
      .execute(`select full_name_folded from users where ${where}`, params)) as {
      full_name_folded: string | null;
    }[];
    return rows[0]?.full_name_folded;
  };

  it('is written on insert and on every change, and is not loaded with the account', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, {
      email: 'elodie@example.com',
      username: 'Elodie',
      fullName: 'ÉLODIE Martin',
      passwordHash: 'x',
    });
    await em.flush();
    expect(await stored('id = ?', [user.id])).toBe('élodie martin');
    user.fullName = 'ΣΟΦΊΑ';
    await em.flush();
    expect(await stored('id = ?', [user.id])).toBe('σοφία');
    user.fullName = null;
    await em.flush();
    expect(await stored('id = ?', [user.id])).toBeNull();
    user.fullName = 'Дмитрий';
    await em.flush();
    const again = await db.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(again.fullNameFolded).toBeUndefined();
    // An account read with some of its columns only keeps the folded name it has.
    const em2 = db.orm.em.fork();
    const partial = await em2.findOneOrFail(User, { id: user.id }, { fields: ['id', 'role'] });
    partial.role = 'admin';
    await em2.flush();
    expect(await stored('id = ?', [user.id])).toBe('дмитрий');
  });

  it('fills the names written without it, and only those', async () => {
    const connection = db.orm.em.getConnection();
    const insert = (email: string, fullName: string | null) =>
      connection.execute(
        'insert into users (email, username, full_name, password_hash, created_at, updated_at) ' +
          'values (?, ?, ?, ?, ?, ?)',
        [email, email.split('@')[0], fullName, 'x', new Date(), new Date()],
      );
    for (let i = 0; i < 3; i++) await insert(`raw${i}@example.com`, `ÅSA ${i}`);
    await insert('nameless@example.com', null);
    expect(await fillFoldedNames(db.orm.em.fork())).toBe(3);
    expect(await stored('email = ?', ['raw0@example.com'])).toBe('åsa 0');
    expect(await stored('email = ?', ['raw2@example.com'])).toBe('åsa 2');
    expect(await stored('email = ?', ['nameless@example.com'])).toBeNull();
    expect(await fillFoldedNames(db.orm.em.fork())).toBe(0);
    // migrateDatabase fills too, with nothing to migrate.
    await insert('late@example.com', 'LATE');
    expect(await migrateDatabase(db)).toEqual([]);
    expect(await stored('email = ?', ['late@example.com'])).toBe('late');
  });
});
