import { Migration } from '@mikro-orm/migrations';

/**
 * Every attempt of a webhook delivery: when it started, how long it took, the status or the kind of network error,
 * and the beginning of the answer's body. Numbered per delivery (unique), gone with its delivery.
 */
export class Migration20261208000000WebhookAttempts extends Migration {
  override up(): void {
    this.addSql(
      `create table "webhook_delivery_attempts" ("id" serial primary key, "delivery_id" varchar(40) not null references "webhook_deliveries" ("id") on delete cascade, "number" int not null, "started_at" timestamptz not null, "duration_ms" int not null, "status_code" int null, "error_kind" varchar(32) null, "response_body" varchar(500) null);`,
    );
    this.addSql(
      `create unique index "webhook_delivery_attempts_delivery_id_number_unique" on "webhook_delivery_attempts" ("delivery_id", "number");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "webhook_delivery_attempts";`);
  }
}
