import { Migration } from '@mikro-orm/migrations';

/** API keys: stored as SHA-256 hashes, looked up by hash, listed per owner, gone with their owner. */
export class Migration20261206000000ApiKeys extends Migration {
  override up(): void {
    this.addSql(
      `create table "api_keys" ("id" serial primary key, "user_id" int not null references "users" ("id") on delete cascade, "name" varchar(100) not null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "scopes" jsonb not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "expires_at" timestamptz not null, "revoked_at" timestamptz null);`,
    );
    this.addSql(`alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "api_keys_user_id_index" on "api_keys" ("user_id");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "api_keys";`);
  }
}
