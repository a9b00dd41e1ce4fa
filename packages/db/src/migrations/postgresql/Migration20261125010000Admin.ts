import { Migration } from '@mikro-orm/migrations';

/** Admin operations: optimistic locking, listing indexes, trigram search (when pg_trgm can be had), audit log. */
export class Migration20261125010000Admin extends Migration {
  override up(): void {
    this.addSql(`alter table "users" add column "version" int not null default 1;`);
    this.addSql(`create index "users_last_login_at_id_index" on "users" ("last_login_at", "id");`);
    this.addSql(`create index "users_role_is_active_index" on "users" ("role", "is_active");`);
    // Partial search (q) over email, username and full_name: trigram GIN indexes. Creating the extension needs
    // privileges a managed database may not grant; without it search still works, by scanning.
    this.addSql(`do $$ begin
  create extension if not exists pg_trgm;
exception when insufficient_privilege then
  raise notice 'pg_trgm unavailable: admin search will scan';
end $$;`);
    this.addSql(`do $$ begin
  if exists (select 1 from pg_extension where extname = 'pg_trgm') then
    create index "users_email_trgm_index" on "users" using gin ("email" gin_trgm_ops);
    create index "users_username_trgm_index" on "users" using gin (lower("username") gin_trgm_ops);
    create index "users_full_name_trgm_index" on "users" using gin (lower("full_name") gin_trgm_ops);
  end if;
end $$;`);
    this.addSql(
      `create table "audit_events" ("id" serial primary key, "at" timestamptz not null, "actor_id" int null, "target_id" int null, "action" varchar(64) not null, "ip" varchar(64) null, "user_agent" varchar(512) null, "details" jsonb null);`,
    );
    this.addSql(`create index "audit_events_at_id_index" on "audit_events" ("at", "id");`);
    this.addSql(`create index "audit_events_actor_id_at_index" on "audit_events" ("actor_id", "at");`);
    this.addSql(`create index "audit_events_target_id_at_index" on "audit_events" ("target_id", "at");`);
    this.addSql(`create index "audit_events_action_at_index" on "audit_events" ("action", "at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "audit_events";`);
    this.addSql(`drop index if exists "users_email_trgm_index";`);
    this.addSql(`drop index if exists "users_username_trgm_index";`);
    this.addSql(`drop index if exists "users_full_name_trgm_index";`);
    this.addSql(`drop index if exists "users_role_is_active_index";`);
    this.addSql(`drop index if exists "users_last_login_at_id_index";`);
    this.addSql(`alter table "users" drop column "version";`);
  }
}
