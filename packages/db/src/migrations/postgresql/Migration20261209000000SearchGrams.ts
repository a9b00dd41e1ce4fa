import { Migration } from '@mikro-orm/migrations';

/** The text admin search reads (services/admin-list.ts's searchText), of row `row`. */
const searchText = (row: string) =>
  `${row}."email" || E'\\n' || lower(${row}."username") || E'\\n' || coalesce(${row}."full_name_folded", '')`;

/**
 * Admin search in creation order at any depth. The trigram index answers which accounts hold a term, in no order:
 * a term held by thousands had every match fetched and sorted for its first page (and a term only old accounts hold
 * made the planner walk the creation-order index through nearly every row). This table holds every trigram of every
 * account's search text with the account's (created_at, id), in that order per trigram: a page walks the postings of
 * one of the term's trigrams in the page's order and tests each account with LIKE, stopping after about a page of
 * matches wherever they are. One trigger keeps it in step with `users` on every write that changes the text.
 * `user_search_grams_of` gives a text's distinct trigrams, without those across a line break (a term has none).
 */
export class Migration20261209000000SearchGrams extends Migration {
  override up(): void {
    this
      .addSql(`create function "user_search_grams_of"(t text) returns setof text language sql immutable as $$
  select distinct substr(t, i, 3) from generate_series(1, length(t) - 2) as i where strpos(substr(t, i, 3), E'\\n') = 0
$$;`);
    this.addSql(
      `create table "user_search_grams" ("gram" text not null, "created_at" timestamptz not null, ` +
        `"user_id" int not null, primary key ("gram", "created_at", "user_id"));`,
    );
    this.addSql(
      `insert into "user_search_grams" ("gram", "created_at", "user_id") ` +
        `select g, u."created_at", u."id" from "users" as u, "user_search_grams_of"(${searchText('u')}) as g;`,
    );
    this.addSql(`create function "user_search_grams_sync"() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    delete from "user_search_grams" where "created_at" = old."created_at" and "user_id" = old."id"
      and "gram" in (select "user_search_grams_of"(${searchText('old')}));
  end if;
  if tg_op <> 'DELETE' then
    insert into "user_search_grams" ("gram", "created_at", "user_id")
      select g, new."created_at", new."id" from "user_search_grams_of"(${searchText('new')}) as g;
  end if;
  return null;
end $$;`);
    this.addSql(
      `create trigger "user_search_grams_insert_delete" after insert or delete on "users" ` +
        `for each row execute function "user_search_grams_sync"();`,
    );
    this.addSql(
      `create trigger "user_search_grams_update" after update of "email", "username", "full_name_folded", ` +
        `"created_at" on "users" for each row when (${searchText('old')} is distinct from ${searchText('new')} ` +
        `or old."created_at" is distinct from new."created_at") execute function "user_search_grams_sync"();`,
    );
  }

  override down(): void {
    this.addSql(`drop trigger if exists "user_search_grams_update" on "users";`);
    this.addSql(`drop trigger if exists "user_search_grams_insert_delete" on "users";`);
    this.addSql(`drop function if exists "user_search_grams_sync"();`);
    this.addSql(`drop table if exists "user_search_grams";`);
    this.addSql(`drop function if exists "user_search_grams_of"(text);`);
  }
}
