import { Migration } from '@mikro-orm/migrations';

/** The search index and the triggers that keep it in step with `users`, over these columns. */
function searchIndex(columns: readonly string[]): string[] {
  const list = columns.map((c) => `\`${c}\``).join(', ');
  const values = (row: 'new' | 'old') => columns.map((c) => `${row}.\`${c}\``).join(', ');
  return [
    `create virtual table \`users_search\` using fts5(${list}, content='users', content_rowid='id', ` +
      "tokenize='trigram');",
    'create trigger `users_search_insert` after insert on `users` begin ' +
      `insert into \`users_search\` (rowid, ${list}) values (new.\`id\`, ${values('new')}); end;`,
    'create trigger `users_search_delete` after delete on `users` begin ' +
      `insert into \`users_search\` (\`users_search\`, rowid, ${list}) ` +
      `values ('delete', old.\`id\`, ${values('old')}); end;`,
    `create trigger \`users_search_update\` after update of ${list} on \`users\` begin ` +
      `insert into \`users_search\` (\`users_search\`, rowid, ${list}) ` +
      `values ('delete', old.\`id\`, ${values('old')}); ` +
      `insert into \`users_search\` (rowid, ${list}) values (new.\`id\`, ${values('new')}); end;`,
    "insert into `users_search` (`users_search`) values ('rebuild');",
  ];
}

const DROP_SEARCH_INDEX = [
  'drop trigger if exists `users_search_update`;',
  'drop trigger if exists `users_search_delete`;',
  'drop trigger if exists `users_search_insert`;',
  'drop table if exists `users_search`;',
];

/**
 * Admin search folds full names the same way on both databases: SQLite's lower() and LIKE fold ASCII letters only,
 * so the application folds them (see search-text.ts) into `full_name_folded`, which search reads instead of
 * lower(full_name). The column starts null and `fillFoldedNames` folds every name right after this migration (the
 * application writes it from then on); a partial index keeps the look-up for unfolded names cheap. The trigram
 * index of Migration20261126000000SearchIndex is rebuilt over email, username and full_name_folded.
 */
export class Migration20261203000000FoldedName extends Migration {
  override up(): void {
    for (const sql of DROP_SEARCH_INDEX) this.addSql(sql);
    this.addSql('alter table `users` add column `full_name_folded` text null;');
    this.addSql(
      'create index `users_unfolded_name_index` on `users` (`id`) ' +
        'where `full_name` is not null and `full_name_folded` is null;',
    );
    for (const sql of searchIndex(['email', 'username', 'full_name_folded'])) this.addSql(sql);
  }

  override down(): void {
    for (const sql of DROP_SEARCH_INDEX) this.addSql(sql);
    this.addSql('drop index if exists `users_unfolded_name_index`;');
    this.addSql('alter table `users` drop column `full_name_folded`;');
    for (const sql of searchIndex(['email', 'username', 'full_name'])) this.addSql(sql);
  }
}
