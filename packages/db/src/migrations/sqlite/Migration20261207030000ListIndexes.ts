import { Migration } from '@mikro-orm/migrations';

/**
 * Admin listing at scale: a page sorted by username walks an index of (username, id) instead of sorting every
 * account. (PostgreSQL's migration of this name also merges its search indexes; SQLite's search index is FTS5.)
 */
export class Migration20261207030000ListIndexes extends Migration {
  override up(): void {
    this.addSql('create index `users_username_id_index` on `users` (`username`, `id`);');
  }

  override down(): void {
    this.addSql('drop index if exists `users_username_id_index`;');
  }
}
