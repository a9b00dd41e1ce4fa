import { Migration } from '@mikro-orm/migrations';

/** Webhook endpoints, and the outbox of deliveries written in the transaction of each change. */
export class Migration20261205000000Webhooks extends Migration {
  override up(): void {
    this.addSql(
      'create table `webhook_endpoints` (`id` integer not null primary key autoincrement, `url` text not null, `description` text null, `events` json not null, `secret` text not null, `previous_secret` text null, `previous_secret_expires_at` datetime null, `enabled` integer not null default true, `disabled_reason` text null, `disabled_at` datetime null, `created_at` datetime not null, `updated_at` datetime not null);',
    );
    this.addSql(
      "create table `webhook_deliveries` (`id` text not null primary key, `endpoint_id` integer not null references `webhook_endpoints` (`id`) on delete cascade, `event_type` text not null, `payload` text not null, `status` text not null default 'pending', `attempts` integer not null default 0, `next_attempt_at` datetime null, `lease_until` datetime null, `last_attempt_at` datetime null, `last_status_code` integer null, `last_duration_ms` integer null, `last_error` text null, `delivered_at` datetime null, `created_at` datetime not null);",
    );
    this.addSql(
      'create index `webhook_deliveries_status_next_attempt_at_index` on `webhook_deliveries` (`status`, `next_attempt_at`);',
    );
    this.addSql(
      'create index `webhook_deliveries_endpoint_id_created_at_index` on `webhook_deliveries` (`endpoint_id`, `created_at`, `id`);',
    );
  }

  override down(): void {
    this.addSql('drop table if exists `webhook_deliveries`;');
    this.addSql('drop table if exists `webhook_endpoints`;');
  }
}
