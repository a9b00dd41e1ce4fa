import { Migration } from '@mikro-orm/migrations';

/** Admin operations: optimistic locking, listing indexes, audit log. */
export class Migration20261125010000Admin extends Migration {
  override up(): void {
    this.addSql('alter table `users` add column `version` integer not null default 1;');
    this.addSql('create index `users_last_login_at_id_index` on `users` (`last_login_at`, `id`);');
    this.addSql('create index `users_role_is_active_index` on `users` (`role`, `is_active`);');
    this.addSql(
      'create table `audit_events` (`id` integer not null primary key autoincrement, `at` datetime not null, `actor_id` integer null, `target_id` integer null, `action` text not null, `ip` text null, `user_agent` text null, `details` json null);',
    );
    this.addSql('create index `audit_events_at_id_index` on `audit_events` (`at`, `id`);');
    this.addSql('create index `audit_events_actor_id_at_index` on `audit_events` (`actor_id`, `at`);');
    this.addSql('create index `audit_events_target_id_at_index` on `audit_events` (`target_id`, `at`);');
    this.addSql('create index `audit_events_action_at_index` on `audit_events` (`action`, `at`);');
  }

  override down(): void {
    this.addSql('drop table if exists `audit_events`;');
    this.addSql('drop index if exists `users_role_is_active_index`;');
    this.addSql('drop index if exists `users_last_login_at_id_index`;');
    this.addSql('alter table `users` drop column `version`;');
  }
}
