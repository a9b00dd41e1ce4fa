import { Migration } from '@mikro-orm/migrations';

/** Webhook endpoints, and the outbox of deliveries written in the transaction of each change. */
export class Migration20261205000000Webhooks extends Migration {
  override up(): void {
    this.addSql(
      `create table "webhook_endpoints" ("id" serial primary key, "url" varchar(2048) not null, "description" varchar(500) null, "events" jsonb not null, "secret" varchar(128) not null, "previous_secret" varchar(128) null, "previous_secret_expires_at" timestamptz null, "enabled" boolean not null default true, "disabled_reason" varchar(16) null, "disabled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(
      `create table "webhook_deliveries" ("id" varchar(40) not null primary key, "endpoint_id" int not null references "webhook_endpoints" ("id") on delete cascade, "event_type" varchar(64) not null, "payload" text not null, "status" varchar(16) not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "lease_until" timestamptz null, "last_attempt_at" timestamptz null, "last_status_code" int null, "last_duration_ms" int null, "last_error" varchar(500) null, "delivered_at" timestamptz null, "created_at" timestamptz not null);`,
    );
    this.addSql(
      `create index "webhook_deliveries_status_next_attempt_at_index" on "webhook_deliveries" ("status", "next_attempt_at");`,
    );
    this.addSql(
      `create index "webhook_deliveries_endpoint_id_created_at_index" on "webhook_deliveries" ("endpoint_id", "created_at", "id");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "webhook_deliveries";`);
    this.addSql(`drop table if exists "webhook_endpoints";`);
  }
}
