import { Migration } from '@mikro-orm/migrations';

/**
 * The text admin search reads, one column per line: the same as the condition of services/admin-list.ts (email,
 * lower(username), the folded full name). `row` is `new` or `old` in a trigger, or a table alias.
 */
function searchText(row: string): string {
  const name = `coalesce(${row}.\`full_name_folded\`, '')`;
  return `${row}.\`email\` || char(10) || lower(${row}.\`username\`) || char(10) || ${name}`;
}

/**
 * The trigrams of a search text (an expression over `new` or `old` in a trigger), one row each as `gram`; one
 * across a line break is left out: a search term has none.
 */
function grams(text: string): string {
  return (
    `select substr(s.\`t\`, p.\`n\`, 3) as \`gram\` from (select ${text} as \`t\`) as s ` +
    'join `search_positions` as p on p.`n` <= length(s.`t`) - 2 where instr(substr(s.`t`, p.`n`, 3), char(10)) = 0'
  );
}

const insertGrams = (row: 'new') =>
  'insert or ignore into `user_search_grams` (`gram`, `created_at`, `user_id`) ' +
  `select g.\`gram\`, ${row}.\`created_at\`, ${row}.\`id\` from (${grams(searchText(row))}) as g;`;

const deleteGrams = (row: 'old') =>
  `delete from \`user_search_grams\` where \`created_at\` = ${row}.\`created_at\` and \`user_id\` = ${row}.\`id\` ` +
  `and \`gram\` in (${grams(searchText(row))});`;

/**
 * Admin search in creation order at any depth (see the PostgreSQL twin): every trigram of every account's search
 * text with the account's (created_at, id), in that order per trigram. A page of a search walks the postings of one
 * of the term's trigrams in the page's order and tests each account with LIKE, so it stops after about a page of
 * matches wherever in the list they are, instead of ordering every match. Triggers keep the postings in step with
 * `users` on every write (SQLite has no generate_series, and triggers take no WITH: `search_positions` holds the
 * positions 1…4096, more than the longest text the API accepts, 320 + 100 + 200 characters and two line breaks).
 */
export class Migration20261209000000SearchGrams extends Migration {
  override up(): void {
    this.addSql('create table `search_positions` (`n` integer not null primary key);');
    this.addSql(
      'insert into `search_positions` (`n`) with recursive c(n) as (select 1 union all select n + 1 from c ' +
        'where n < 4096) select n from c;',
    );
    this.addSql(
      'create table `user_search_grams` (`gram` text not null, `created_at` datetime not null, ' +
        '`user_id` integer not null, primary key (`gram`, `created_at`, `user_id`)) without rowid;',
    );
    this.addSql(
      'insert or ignore into `user_search_grams` (`gram`, `created_at`, `user_id`) ' +
        `select substr(s.\`t\`, p.\`n\`, 3), s.\`created_at\`, s.\`id\` from (select u.\`id\`, u.\`created_at\`, ` +
        `${searchText('u')} as \`t\` from \`users\` as u) as s join \`search_positions\` as p ` +
        'on p.`n` <= length(s.`t`) - 2 where instr(substr(s.`t`, p.`n`, 3), char(10)) = 0;',
    );
    this.addSql(
      `create trigger \`user_search_grams_insert\` after insert on \`users\` begin ${insertGrams('new')} end;`,
    );
    this.addSql(
      `create trigger \`user_search_grams_delete\` after delete on \`users\` begin ${deleteGrams('old')} end;`,
    );
    this.addSql(
      'create trigger `user_search_grams_update` after update of `email`, `username`, `full_name_folded`, ' +
        '`created_at` on `users` begin ' +
        `${deleteGrams('old')} ${insertGrams('new')} end;`,
    );
  }

  override down(): void {
    this.addSql('drop trigger if exists `user_search_grams_update`;');
    this.addSql('drop trigger if exists `user_search_grams_delete`;');
    this.addSql('drop trigger if exists `user_search_grams_insert`;');
    this.addSql('drop table if exists `user_search_grams`;');
    this.addSql('drop table if exists `search_positions`;');
  }
}
