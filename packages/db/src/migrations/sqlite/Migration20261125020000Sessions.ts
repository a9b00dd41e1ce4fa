import { Migration } from '@mikro-orm/migrations';

/** Sessions with refresh-token chains, single-use email tokens, and verified email addresses. */
export class Migration20261125020000Sessions extends Migration {
  override up(): void {
    this.addSql('alter table `users` add column `is_verified` integer not null default false;');
    this.addSql(
      'create table `sessions` (`id` text not null primary key, `user_id` integer not null references `users` (`id`) on delete cascade, `created_at` datetime not null, `last_used_at` datetime not null, `expires_at` datetime not null, `ip` text null, `user_agent` text null, `revoked_at` datetime null, `revoked_reason` text null);',
    );
    this.addSql('create index `sessions_user_id_revoked_at_index` on `sessions` (`user_id`, `revoked_at`);');
    this.addSql(
      'create table `refresh_tokens` (`id` integer not null primary key autoincrement, `session_id` text not null references `sessions` (`id`) on delete cascade, `token_hash` text not null, `created_at` datetime not null, `expires_at` datetime not null, `spent_at` datetime null);',
    );
    this.addSql('create unique index `refresh_tokens_token_hash_unique` on `refresh_tokens` (`token_hash`);');
    this.addSql('create index `refresh_tokens_session_id_index` on `refresh_tokens` (`session_id`);');
    this.addSql(
      'create table `action_tokens` (`id` integer not null primary key autoincrement, `user_id` integer not null references `users` (`id`) on delete cascade, `purpose` text not null, `token_hash` text not null, `email` text not null, `created_at` datetime not null, `expires_at` datetime not null, `used_at` datetime null);',
    );
    this.addSql('create unique index `action_tokens_token_hash_unique` on `action_tokens` (`token_hash`);');
    this.addSql(
      'create index `action_tokens_user_id_purpose_index` on `action_tokens` (`user_id`, `purpose`);',
    );
  }

  override down(): void {
    this.addSql('drop table if exists `action_tokens`;');
    this.addSql('drop table if exists `refresh_tokens`;');
    this.addSql('drop table if exists `sessions`;');
    this.addSql('alter table `users` drop column `is_verified`;');
  }
}
