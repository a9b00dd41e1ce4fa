import { Migration } from '@mikro-orm/migrations';

/**
 * Admin listing and search at scale. A page sorted by username walks an index of (username, id) instead of sorting
 * every account. Search (q) goes through one trigram index instead of three: of email, lower(username) and the
 * folded full name, one per line (the expression services/admin-list.ts searches; it must stay the same text to use
 * the index): one LIKE and one index scan per search instead of three of each, whose OR made the planner scan the
 * whole table for a common term, and one index to keep up on every write instead of three.
 */
export class Migration20261207030000ListIndexes extends Migration {
  override up(): void {
    this.addSql(`create index "users_username_id_index" on "users" ("username", "id");`);
    this.addSql(`do $$ begin
  if exists (select 1 from pg_extension where extname = 'pg_trgm') then
    create index "users_search_text_trgm_index" on "users" using gin ((
      "email" || E'\\n' || lower("username") || E'\\n' || coalesce("full_name_folded", '')
    ) gin_trgm_ops);
    drop index if exists "users_email_trgm_index";
    drop index if exists "users_username_trgm_index";
    drop index if exists "users_full_name_folded_trgm_index";
  end if;
end $$;`);
  }

  override down(): void {
    this.addSql(`do $$ begin
  if exists (select 1 from pg_extension where extname = 'pg_trgm') then
    create index if not exists "users_email_trgm_index" on "users" using gin ("email" gin_trgm_ops);
    create index if not exists "users_username_trgm_index" on "users" using gin (lower("username") gin_trgm_ops);
    create index if not exists "users_full_name_folded_trgm_index" on "users"
      using gin ("full_name_folded" gin_trgm_ops);
  end if;
end $$;`);
    this.addSql(`drop index if exists "users_search_text_trgm_index";`);
    this.addSql(`drop index if exists "users_username_id_index";`);
  }
}
