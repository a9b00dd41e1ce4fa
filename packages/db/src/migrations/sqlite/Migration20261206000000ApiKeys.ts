import { Migration } from '@mikro-orm/migrations';

/** API keys: stored as SHA-256 hashes, looked up by hash, listed per owner, gone with their owner. */
export class Migration20261206000000ApiKeys extends Migration {
  override up(): void {
    this.addSql(
      'create table `api_keys` (`id` integer not null primary key autoincrement, `user_id` integer not null references `users` (`id`) on delete cascade, `name` text not null, `prefix` text not null, `key_hash` text not null, `scopes` json not null, `created_at` datetime not null, `last_used_at` datetime null, `expires_at` datetime not null, `revoked_at` datetime null);',
    );
    this.addSql('create unique index `api_keys_key_hash_unique` on `api_keys` (`key_hash`);');
    this.addSql('create index `api_keys_user_id_index` on `api_keys` (`user_id`);');
  }

  override down(): void {
    this.addSql('drop table if exists `api_keys`;');
  }
}
