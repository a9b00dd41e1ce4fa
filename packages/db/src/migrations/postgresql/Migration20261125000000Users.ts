import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000Users extends Migration {
  override up(): void {
    this.addSql(
      `create table "users" ("id" serial primary key, "email" varchar(320) not null, "username" varchar(100) not null, "full_name" varchar(200) null, "bio" varchar(1000) null, "password_hash" varchar(255) not null, "role" varchar(16) not null default 'user', "is_active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_login_at" timestamptz null);`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`);
    this.addSql(`create index "users_created_at_id_index" on "users" ("created_at", "id");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "users" cascade;`);
  }
}
