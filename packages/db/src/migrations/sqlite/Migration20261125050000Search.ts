import { Migration } from '@mikro-orm/migrations';

/** The public listing of active accounts (GET /users) through an index of its own. */
export class Migration20261125050000Search extends Migration {
  override up(): void {
    this.addSql(
      'create index `users_active_created_at_id_index` on `users` (`created_at`, `id`) where `is_active` = 1;',
    );
  }

  override down(): void {
    this.addSql('drop index if exists `users_active_created_at_id_index`;');
  }
}
