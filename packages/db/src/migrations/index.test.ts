import type { Migration } from '@mikro-orm/migrations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Database } from '../orm.js';
import { postgresqlMigrations, sqliteMigrations } from './index.js';

// The SQL each dialect's migration would run, read without running it, so both dialects are checked on every
// leg. Running them for real is covered by orm.test.ts against the leg's own database.
let db: Database;
beforeAll(async () => {
  db = await openDatabase('sqlite::memory:');
});
afterAll(() => closeDatabase(db));

type MigrationArgs = ConstructorParameters<typeof Migration>;
type MigrationClass = new (...args: MigrationArgs) => Migration;

async function queriesOf(
  list: typeof sqliteMigrations,
  direction: 'up' | 'down',
  index = 0,
): Promise<string[]> {
  const Class = list[index]!.class as MigrationClass;
  const migration = new Class(db.orm.em.getDriver() as unknown as MigrationArgs[0], db.orm.config);
  await migration[direction]();
  return migration.getQueries().map(String);
}

describe.each([
  ['sqlite', sqliteMigrations, '`'],
  ['postgresql', postgresqlMigrations, '"'],
])('%s users migration', (_name, list, q) => {
  it('creates the users table with every column', async () => {
    const [create] = await queriesOf(list, 'up');
    expect(create).toContain(`create table ${q}users${q}`);
    for (const column of [
      'id',
      'email',
      'username',
      'full_name',
      'bio',
      'password_hash',
      'role',
      'is_active',
      'created_at',
      'updated_at',
      'last_login_at',
    ]) {
      expect(create).toContain(`${q}${column}${q}`);
    }
    expect(create).toContain("default 'user'");
  });

  it('adds the unique email, case-insensitive unique username and listing indexes', async () => {
    const up = await queriesOf(list, 'up');
    expect(up).toHaveLength(4);
    expect(up[1]).toMatch(/users_email_unique.*unique|unique.*users_email_unique/);
    expect(up[2]).toBe(
      `create unique index ${q}users_username_lower_unique${q} on ${q}users${q} (lower(${q}username${q}));`,
    );
    expect(up[3]).toContain(`${q}users_created_at_id_index${q}`);
  });

  it('drops the users table on the way down', async () => {
    const down = await queriesOf(list, 'down');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatch(new RegExp(`^drop table if exists ${q}users${q}`));
  });
});

describe.each([
  ['sqlite', sqliteMigrations],
  ['postgresql', postgresqlMigrations],
])('every %s migration', (_name, list) => {
  const cases = list.map((m, i) => [m.name, i] as const);

  it.each(cases)(
    '%s can be applied and reverted, and its down drops the tables and columns its up adds',
    async (_m, i) => {
      const up = (await queriesOf(list, 'up', i)).join('\n');
      const down = (await queriesOf(list, 'down', i)).join('\n');
      expect(up.length).toBeGreaterThan(0);
      expect(down.length).toBeGreaterThan(0);
      for (const [, table] of up.matchAll(/create table [`"](\w+)[`"]/g)) {
        expect(down).toMatch(new RegExp(`drop table if exists [\`"]${table}[\`"]`));
      }
      for (const [, column] of up.matchAll(/add column [`"](\w+)[`"]/g)) {
        expect(down).toMatch(new RegExp(`drop column [\`"]${column}[\`"]`));
      }
    },
  );
});
