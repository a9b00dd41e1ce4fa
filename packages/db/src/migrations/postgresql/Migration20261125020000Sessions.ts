import { Migration } from '@mikro-orm/migrations';

/** Sessions with refresh-token chains, single-use email tokens, and verified email addresses. */
export class Migration20261125020000Sessions extends Migration {
  override up(): void {
    this.addSql(`alter table "users" add column "is_verified" boolean not null default false;`);
    this.addSql(
      `create table "sessions" ("id" varchar(32) not null primary key, "user_id" int not null references "users" ("id") on delete cascade, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "ip" varchar(64) null, "user_agent" varchar(512) null, "revoked_at" timestamptz null, "revoked_reason" varchar(64) null);`,
    );
    this.addSql(`create index "sessions_user_id_revoked_at_index" on "sessions" ("user_id", "revoked_at");`);
    this.addSql(
      `create table "refresh_tokens" ("id" serial primary key, "session_id" varchar(32) not null references "sessions" ("id") on delete cascade, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "spent_at" timestamptz null);`,
    );
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`);
    this.addSql(
      `create table "action_tokens" ("id" serial primary key, "user_id" int not null references "users" ("id") on delete cascade, "purpose" varchar(32) not null, "token_hash" varchar(64) not null, "email" varchar(320) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "used_at" timestamptz null);`,
    );
    this.addSql(
      `alter table "action_tokens" add constraint "action_tokens_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(
      `create index "action_tokens_user_id_purpose_index" on "action_tokens" ("user_id", "purpose");`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "action_tokens";`);
    this.addSql(`drop table if exists "refresh_tokens";`);
    this.addSql(`drop table if exists "sessions";`);
    this.addSql(`alter table "users" drop column "is_verified";`);
  }
}
