import { Migration } from '@mikro-orm/migrations';

/**
 * Every attempt of a webhook delivery: when it started, how long it took, the status or the kind of network error,
 * and the beginning of the answer's body. Numbered per delivery (unique), gone with its delivery.
 */
export class Migration20261208000000WebhookAttempts extends Migration {
  override up(): void {
    this.addSql(
      'create table `webhook_delivery_attempts` (`id` integer not null primary key autoincrement, `delivery_id` text not null references `webhook_deliveries` (`id`) on delete cascade, `number` integer not null, `started_at` datetime not null, `duration_ms` integer not null, `status_code` integer null, `error_kind` text null, `response_body` text null);',
    );
    this.addSql(
      'create unique index `webhook_delivery_attempts_delivery_id_number_unique` on `webhook_delivery_attempts` (`delivery_id`, `number`);',
    );
  }

  override down(): void {
    this.addSql('drop table if exists `webhook_delivery_attempts`;');
  }
}
