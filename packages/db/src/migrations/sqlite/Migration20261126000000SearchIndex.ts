import { Migration } from '@mikro-orm/migrations';

/**
 * Admin search (q) on SQLite through an FTS5 trigram index of email, username and full_name, kept in step with
 * `users` by triggers (an external-content table: it holds the index only). The index narrows a search to its
 * candidates; the LIKE conditions still decide (see the API's admin listing), so matches stay exactly what they were.
 */
export class Migration20261126000000SearchIndex extends Migration {
  override up(): void {
    this.addSql(
      "create virtual table `users_search` using fts5(`email`, `username`, `full_name`, content='users', " +
        "content_rowid='id', tokenize='trigram');",
    );
    this.addSql(
      'create trigger `users_search_insert` after insert on `users` begin ' +
        'insert into `users_search` (rowid, `email`, `username`, `full_name`) ' +
        'values (new.`id`, new.`email`, new.`username`, new.`full_name`); end;',
    );
    this.addSql(
      'create trigger `users_search_delete` after delete on `users` begin ' +
        'insert into `users_search` (`users_search`, rowid, `email`, `username`, `full_name`) ' +
        "values ('delete', old.`id`, old.`email`, old.`username`, old.`full_name`); end;",
    );
    this.addSql(
      'create trigger `users_search_update` after update of `email`, `username`, `full_name` on `users` begin ' +
        'insert into `users_search` (`users_search`, rowid, `email`, `username`, `full_name`) ' +
        "values ('delete', old.`id`, old.`email`, old.`username`, old.`full_name`); " +
        'insert into `users_search` (rowid, `email`, `username`, `full_name`) ' +
        'values (new.`id`, new.`email`, new.`username`, new.`full_name`); end;',
    );
    this.addSql("insert into `users_search` (`users_search`) values ('rebuild');");
  }

  override down(): void {
    this.addSql('drop trigger if exists `users_search_update`;');
    this.addSql('drop trigger if exists `users_search_delete`;');
    this.addSql('drop trigger if exists `users_search_insert`;');
    this.addSql('drop table if exists `users_search`;');
  }
}
