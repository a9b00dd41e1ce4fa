import { Migration } from '@mikro-orm/migrations';

/**
 * Admin search folds full names the same way on both databases: it reads `full_name_folded` (see search-text.ts)
 * instead of lower(full_name). The column starts null and `fillFoldedNames` folds every name right after this
 * migration (the application writes it from then on); a partial index keeps the look-up for unfolded names cheap.
 * Its trigram index replaces the one on lower(full_name).
 */
export class Migration20261203000000FoldedName extends Migration {
  override up(): void {
    this.addSql(`alter table "users" add column "full_name_folded" text null;`);
    this.addSql(
      `create index "users_unfolded_name_index" on "users" ("id") ` +
        `where "full_name" is not null and "full_name_folded" is null;`,
    );
    this.addSql(`drop index if exists "users_full_name_trgm_index";`);
    this.addSql(`do $$ begin
  if exists (select 1 from pg_extension where extname = 'pg_trgm') then
    create index "users_full_name_folded_trgm_index" on "users" using gin ("full_name_folded" gin_trgm_ops);
  end if;
end $$;`);
  }

  override down(): void {
    this.addSql(`drop index if exists "users_full_name_folded_trgm_index";`);
    this.addSql(`drop index if exists "users_unfolded_name_index";`);
    this.addSql(`do $$ begin
  if exists (select 1 from pg_extension where extname = 'pg_trgm') then
    create index "users_full_name_trgm_index" on "users" using gin (lower("full_name") gin_trgm_ops);
  end if;
end $$;`);
    this.addSql(`alter table "users" drop column "full_name_folded";`);
  }
}
