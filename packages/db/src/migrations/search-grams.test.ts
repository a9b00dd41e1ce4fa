// Migration20261209000000SearchGrams against the leg's real database (TEST_DB): the postings table
// `user_search_grams` holds exactly the distinct trigrams of each account's search text (email, lower(username),
// folded full name, one per line, no trigram across a line break) with the account's (created_at, id): filled in
// for accounts that predate it, and kept in step by its triggers on insert, delete and the updates that change the
// text or created_at, and on no other update. Its down drops the table and triggers; up again fills it again.
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Database } from '../orm.js';

const BEFORE = 'Migration20261208000000WebhookAttempts';
const SEARCH_GRAMS = 'Migration20261209000000SearchGrams';

interface Account {
  email: string;
  username: string;
  fullName: string | null;
  /** Written as the application writes it (foldSearch of fullName); null with a null name. */
  fullNameFolded: string | null;
}

/** The distinct 3-code-point slices of the account's search text without a line break, sorted. */
function expectedGrams(account: Pick<Account, 'email' | 'username' | 'fullNameFolded'>): string[] {
  const text = Array.from(
    `${account.email}\n${account.username.toLowerCase()}\n${account.fullNameFolded ?? ''}`,
  );
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= text.length; i++) {
    const gram = text.slice(i, i + 3).join('');
    if (!gram.includes('\n')) grams.add(gram);
  }
  return [...grams].sort();
}

/** A long ASCII name (the longest the API accepts) so trigrams reach far positions of the text. */
const longName = Array.from({ length: 200 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');

/** Accounts that exist before the migration runs: its backfill must post them. */
const before: Account[] = [
  { email: 'anna@example.test', username: 'anna', fullName: 'Ängström É', fullNameFolded: 'ängström é' },
  { email: 'nobody@example.test', username: 'NoName', fullName: null, fullNameFolded: null },
  {
    email: 'mixed@example.test',
    username: 'MiXeD_CaSe',
    fullName: 'Zoë 😀 Day',
    fullNameFolded: 'zoë 😀 day',
  },
  // Repeated trigrams ('aaa', 'bbb') are posted once.
  {
    email: 'aaaaaa@example.test',
    username: 'bbbbbb',
    fullName: 'ccc ccc ccc',
    fullNameFolded: 'ccc ccc ccc',
  },
  { email: 'long@example.test', username: 'long', fullName: longName, fullNameFolded: longName },
];

describe('Migration20261209000000SearchGrams on the test database', () => {
  let testDb: TestDatabase;
  let db: Database;
  /** The id of each account by email. */
  const ids = new Map<string, number>();
  /** Each account's search text as it stands, by email at insertion. */
  const current = new Map<string, Account>();
  let createdAt = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

  /** Runs plain SQL on the write connection; answers the rows (typed by the caller). */
  async function sql<T = Record<string, unknown>[]>(query: string, params: unknown[] = []): Promise<T> {
    return (await db.orm.em.getConnection().execute(query, params)) as T;
  }
  /** A datetime as the leg's database takes it: epoch milliseconds on SQLite, a Date on PostgreSQL. */
  const date = (ms: number) => (db.kind === 'sqlite' ? ms : new Date(ms));

  async function insertUser(account: Account): Promise<number> {
    createdAt += 86_400_000 + 1;
    await sql(
      'insert into users (email, username, full_name, full_name_folded, password_hash, role, is_active, ' +
        'created_at, updated_at, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        account.email,
        account.username,
        account.fullName,
        account.fullNameFolded,
        'hash',
        'user',
        true,
        date(createdAt),
        date(createdAt),
        1,
      ],
    );
    const [row] = await sql<{ id: number }[]>('select id from users where email = ?', [account.email]);
    const id = Number(row!.id);
    ids.set(account.email, id);
    current.set(account.email, { ...account });
    return id;
  }

  /** The user's postings, sorted in JS (the databases' collations may order non-ASCII text differently). */
  async function postings(id: number): Promise<string[]> {
    const rows = await sql<{ gram: string }[]>('select gram from user_search_grams where user_id = ?', [id]);
    return rows.map((row) => row.gram).sort();
  }

  /** How many of the user's postings carry the user's created_at as it stands. */
  async function postingsAtCreatedAt(id: number): Promise<number> {
    const [row] = await sql<{ c: number | string }[]>(
      'select count(*) as c from user_search_grams as g join users as u on u.id = g.user_id ' +
        'and u.created_at = g.created_at where g.user_id = ?',
      [id],
    );
    return Number(row!.c);
  }

  async function totalPostings(): Promise<number> {
    const [row] = await sql<{ c: number | string }[]>('select count(*) as c from user_search_grams');
    return Number(row!.c);
  }

  /** The user's postings are exactly the trigrams of its text, each with its (created_at, id). */
  async function expectPosted(email: string): Promise<void> {
    const id = ids.get(email)!;
    const expected = expectedGrams(current.get(email)!);
    expect(expected.length).toBeGreaterThan(0);
    expect(await postings(id)).toEqual(expected);
    expect(await postingsAtCreatedAt(id)).toBe(expected.length);
  }

  /** Every account's postings are exact, and the table holds no other row. */
  async function expectAllPosted(): Promise<void> {
    for (const email of current.keys()) await expectPosted(email);
    const total = [...current.values()].reduce((sum, account) => sum + expectedGrams(account).length, 0);
    expect(await totalPostings()).toBe(total);
  }

  async function update(email: string, column: string, value: unknown): Promise<void> {
    await sql(`update users set ${column} = ? where id = ?`, [value, ids.get(email)!]);
  }

  async function objects(pattern: string): Promise<string[]> {
    const rows =
      db.kind === 'sqlite'
        ? await sql<{ name: string }[]>(
            "select name from sqlite_master where type in ('table', 'trigger') and name like ?",
            [pattern],
          )
        : await sql<{ name: string }[]>(
            'select tgname as name from pg_trigger where tgname like ? union all ' +
              'select proname from pg_proc where proname like ? union all ' +
              "select table_name from information_schema.tables where table_schema = 'public' and table_name like ?",
            [pattern, pattern, pattern],
          );
    return rows.map((row) => row.name).sort();
  }

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase(testDb.url);
    await db.orm.getMigrator().up({ to: BEFORE });
  });
  afterAll(async () => {
    await closeDatabase(db);
    await testDb.drop();
  });

  it('computes the expected trigrams by code point, without those across a line break', () => {
    expect(expectedGrams({ email: 'ab@c', username: 'XY', fullNameFolded: 'é😀z' })).toEqual(
      ['ab@', 'b@c', 'é😀z'].sort(),
    );
    expect(expectedGrams({ email: 'abc', username: 'x', fullNameFolded: null })).toEqual(['abc']);
  });

  it('posts the accounts that predate it when it runs', async () => {
    await expect(sql('select count(*) from user_search_grams')).rejects.toThrow(/user_search_grams/);
    for (const account of before) await insertUser(account);
    const applied = await db.orm.getMigrator().up();
    expect(applied.map((m) => m.name)).toEqual([SEARCH_GRAMS]);
    await expectAllPosted();
    expect(await postings(ids.get('nobody@example.test')!)).toContain('non');
    expect(await postings(ids.get('mixed@example.test')!)).toEqual(
      expect.arrayContaining(['mix', 'ë 😀', '😀 d']),
    );
    expect(await postings(ids.get('mixed@example.test')!)).not.toContain('MiX');
  });

  it('posts an account inserted after it ran, and only that one', async () => {
    const others = await totalPostings();
    const account: Account = {
      email: 'new@example.test',
      username: 'NewUser',
      fullName: 'Łukasz Žák',
      fullNameFolded: 'łukasz žák',
    };
    await insertUser(account);
    await expectPosted(account.email);
    expect(await totalPostings()).toBe(others + expectedGrams(account).length);
    await expectAllPosted();
  });

  it('replaces the postings when the email changes', async () => {
    const email = 'anna@example.test';
    await update(email, 'email', 'zed.qx@example.test');
    current.set(email, { ...current.get(email)!, email: 'zed.qx@example.test' });
    await expectPosted(email);
    const grams = await postings(ids.get(email)!);
    expect(grams).not.toContain('na@');
    expect(grams).toContain('qx@');
    await expectAllPosted();
  });

  it('replaces the postings when the username changes, lower-cased', async () => {
    const email = 'nobody@example.test';
    await update(email, 'username', 'QuiteSomeone');
    current.set(email, { ...current.get(email)!, username: 'QuiteSomeone' });
    await expectPosted(email);
    const grams = await postings(ids.get(email)!);
    expect(grams).not.toContain('ame');
    expect(grams).toContain('qui');
    await expectAllPosted();
  });

  it('replaces the postings when the folded name changes, and drops the name when it becomes null', async () => {
    const email = 'mixed@example.test';
    await update(email, 'full_name_folded', 'öyvind ßtraße');
    current.set(email, { ...current.get(email)!, fullNameFolded: 'öyvind ßtraße' });
    await expectPosted(email);
    let grams = await postings(ids.get(email)!);
    expect(grams).not.toContain('zoë');
    expect(grams).toContain('öyv');
    await expectAllPosted();

    await update(email, 'full_name_folded', null);
    current.set(email, { ...current.get(email)!, fullNameFolded: null });
    await expectPosted(email);
    grams = await postings(ids.get(email)!);
    expect(grams).not.toContain('öyv');
    expect(grams).toEqual(expectedGrams({ email, username: 'MiXeD_CaSe', fullNameFolded: null }));
    await expectAllPosted();
  });

  it('moves the postings to the new created_at when created_at changes', async () => {
    const email = 'new@example.test';
    const id = ids.get(email)!;
    const count = (await postings(id)).length;
    await update(email, 'created_at', date(Date.UTC(2020, 5, 15, 8, 30, 0, 456)));
    await expectPosted(email);
    expect(await postingsAtCreatedAt(id)).toBe(count);
    await expectAllPosted();
  });

  it('leaves the postings alone when only other columns change', async () => {
    const email = 'aaaaaa@example.test';
    const id = ids.get(email)!;
    const all = await postings(id);
    const [dropped] = all;
    // Take one posting away by hand: an update that (wrongly) rewrote the postings would put it back.
    await sql('delete from user_search_grams where user_id = ? and gram = ?', [id, dropped]);
    const rest = all.slice(1);
    expect(await postings(id)).toEqual(rest);
    await update(email, 'last_login_at', date(Date.UTC(2026, 11, 24, 10, 0, 0, 789)));
    expect(await postings(id)).toEqual(rest);
    await update(email, 'bio', 'Changes nothing searchable.');
    expect(await postings(id)).toEqual(rest);
    await update(email, 'updated_at', date(Date.UTC(2026, 11, 25)));
    await update(email, 'version', 2);
    await update(email, 'role', 'admin');
    await update(email, 'is_active', false);
    expect(await postings(id)).toEqual(rest);
    expect(await postingsAtCreatedAt(id)).toBe(rest.length);

    // Put it back as the migration wrote it, then an update to the same text keeps the postings exact.
    await sql(
      'insert into user_search_grams (gram, created_at, user_id) select ?, created_at, id from users where id = ?',
      [dropped, id],
    );
    await expectAllPosted();
    await sql(
      'update users set email = email, username = username, full_name_folded = full_name_folded ' +
        'where id = ?',
      [id],
    );
    await expectAllPosted();
  });

  it("removes every posting of a deleted account and none of another's", async () => {
    const email = 'long@example.test';
    const id = ids.get(email)!;
    const others = (await totalPostings()) - (await postings(id)).length;
    await sql('delete from users where id = ?', [id]);
    current.delete(email);
    expect(await postings(id)).toEqual([]);
    expect(await totalPostings()).toBe(others);
    await expectAllPosted();
  });

  it('drops the table, triggers and helpers on the way down, and posts every account again on the way up', async () => {
    expect(await objects('user_search_grams%')).not.toEqual([]);
    const reverted = await db.orm.getMigrator().down();
    expect(reverted.map((m) => m.name)).toEqual([SEARCH_GRAMS]);
    expect(await objects('user_search_grams%')).toEqual([]);
    expect(await objects('search_positions%')).toEqual([]);
    await expect(sql('select count(*) from user_search_grams')).rejects.toThrow(/user_search_grams/);

    // Without the triggers, writes to users go through.
    const account: Account = {
      email: 'later@example.test',
      username: 'Later',
      fullName: 'Ça Va',
      fullNameFolded: 'ça va',
    };
    const id = await insertUser(account);
    await update(account.email, 'username', 'LaterStill');
    current.set(account.email, { ...current.get(account.email)!, username: 'LaterStill' });
    const gone: Account = {
      email: 'gone@example.test',
      username: 'gone',
      fullName: null,
      fullNameFolded: null,
    };
    const goneId = await insertUser(gone);
    await sql('delete from users where id = ?', [goneId]);
    current.delete(gone.email);

    const applied = await db.orm.getMigrator().up();
    expect(applied.map((m) => m.name)).toEqual([SEARCH_GRAMS]);
    await expectAllPosted();
    expect(await postings(id)).toContain('lat');
    expect(await postings(goneId)).toEqual([]);
    // And the triggers are back.
    await update(account.email, 'full_name_folded', 'ça ira');
    current.set(account.email, { ...current.get(account.email)!, fullNameFolded: 'ça ira' });
    await expectAllPosted();
  });
});
