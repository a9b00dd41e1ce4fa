import type { Dictionary } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { dialectOf, User } from '@roster/db';
import type { AdminListInput } from '../schemas/admin.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ADMIN_USER_FIELDS, type AdminUserFields } from './serialize.js';

/**
 * The admin account listing as one statement written out here, not built per request by the query builder (whose
 * work per call cost more than the query): "?" placeholders and their values, which the connection formats for the
 * database exactly as it does the builder's (dates as epoch milliseconds on SQLite, ISO strings on PostgreSQL).
 * Rows come back as plain rows, mapped to property names by MikroORM's result mapper (the dates and booleans an
 * entity would hold), without hydrating an entity per row.
 */

const SORT_PROPERTY = {
  created_at: 'createdAt',
  email: 'email',
  username: 'username',
  last_login_at: 'lastLoginAt',
} as const;

export interface AdminUserPage {
  items: AdminUserFields[];
  nextCursor: string | null;
  total: number | null;
}

/** Column names by property, from the entity's metadata (once per process). */
let columnsOf: ((property: keyof User) => string) | undefined;

function columns(em: SqlEntityManager) {
  if (!columnsOf) {
    const props = em.getMetadata().get<User>(User.name).properties;
    columnsOf = (property) => props[property].fieldNames[0]!;
  }
  const column = columnsOf;
  /** The columns admins see, of table `alias`. */
  const select = (alias: string) => ADMIN_USER_FIELDS.map((p) => `${alias}.${column(p)}`).join(', ');
  return { column, select };
}

function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[!%_]/g, '!$&')}%`;
}

function search(alias: string): string {
  return (
    `(${alias}.email like ? escape '!' or lower(${alias}.username) like ? escape '!' or ` +
    `lower(${alias}.full_name) like ? escape '!')`
  );
}

function cursorValue(user: AdminUserFields, sort: AdminListInput['sort']): string | null {
  const value = user[SORT_PROPERTY[sort]];
  return value instanceof Date ? value.toISOString() : value;
}

/** Above this many candidates a search walks the sort order instead (a common term fills a page at once). */
const SQLITE_SEARCH_CANDIDATES = 20_000;

/**
 * SQLite: the FTS5 phrase to look `q` up with in the trigram index (Migration20261126000000SearchIndex), or null
 * to test every account along the sort order instead: for terms under three characters (no trigram to look up)
 * and for terms with more candidates than SQLITE_SEARCH_CANDIDATES (counted only that far), which the walk finds a
 * page of sooner than the index's candidates can be sorted.
 */
async function sqliteSearchPhrase(
  conn: ReturnType<SqlEntityManager['getConnection']>,
  ctx: ReturnType<SqlEntityManager['getTransactionContext']>,
  q: string,
): Promise<string | null> {
  const term = q.toLowerCase();
  if ([...term].length < 3) return null;
  const phrase = `"${term.replaceAll('"', '""')}"`;
  const known = searchPlans.get(term);
  if (known && known.until > Date.now()) return known.indexed ? phrase : null;
  const probe = await conn.execute<Dictionary>(
    `select count(*) as n from (select rowid from users_search where users_search match ? limit ?)`,
    [phrase, SQLITE_SEARCH_CANDIDATES + 1],
    'get',
    ctx,
  );
  const indexed = Number(probe.n) <= SQLITE_SEARCH_CANDIDATES;
  if (searchPlans.size >= SEARCH_PLANS_KEPT) searchPlans.delete(searchPlans.keys().next().value!);
  searchPlans.set(term, { indexed, until: Date.now() + SEARCH_PLAN_MS });
  return indexed ? phrase : null;
}

/**
 * Which way recent terms were looked up, so the pages of one search (and repeated searches) count candidates once
 * a minute at most: the choice only decides how fast a page is found, never what it holds.
 */
const searchPlans = new Map<string, { indexed: boolean; until: number }>();
const SEARCH_PLANS_KEPT = 1_000;
const SEARCH_PLAN_MS = 60_000;

export async function listUserPage(em: SqlEntityManager, input: AdminListInput): Promise<AdminUserPage> {
  const { column, select } = columns(em);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  const conn = em.getConnection('read');
  const ctx = em.getTransactionContext();
  let from = 'users as u';
  const fromParams: unknown[] = [];
  if (input.q) {
    const p = likePattern(input.q);
    if (dialectOf(em) === 'postgresql') {
      // The matches come from the trigram indexes, then are ordered: the sub-query's (never reached) limit keeps
      // the planner from walking the sort index instead, testing every account until it has found a page (a term
      // that only old accounts match would scan nearly all of them).
      from = `(select m.* from users as m where ${search('m')} limit 2147483647) as u`;
      fromParams.push(p, p, p);
    } else {
      const phrase = await sqliteSearchPhrase(conn, ctx, input.q);
      if (phrase !== null) {
        // The candidates come from the trigram index, a superset of the matches (it folds case at least as widely
        // as LIKE does), which LIKE then decides as without the index; then they are ordered, as on PostgreSQL.
        from =
          `(select ${select('m')} from users_search as s cross join users as m ` +
          `on m.id = s.rowid where users_search match ? and ${search('m')} limit 2147483647) as u`;
        fromParams.push(phrase, p, p, p);
      } else {
        add(search('u'), p, p, p);
      }
    }
  }
  if (input.role) add('u.role = ?', input.role);
  if (input.is_active !== undefined) add('u.is_active = ?', input.is_active);
  if (input.created_after) add('u.created_at >= ?', new Date(input.created_after));
  if (input.created_before) add('u.created_at < ?', new Date(input.created_before));
  const filtered = () => `from ${from}${where.length ? ` where ${where.join(' and ')}` : ''}`;
  // Counting every match is the expensive part of a search (a scan of all of them, where a page stops at
  // limit + 1 rows along an index): done only when asked for.
  const counting =
    input.include_total === true
      ? conn
          .execute<Dictionary>(
            `select count(*) as count ${filtered()}`,
            [...fromParams, ...params],
            'get',
            ctx,
          )
          .then((row) => Number(row.count))
      : Promise.resolve(null);

  const field = `u.${column(SORT_PROPERTY[input.sort])}`;
  const desc = input.order === 'desc';
  const nullable = input.sort === 'last_login_at';
  if (input.cursor) {
    const date = input.sort === 'created_at' || input.sort === 'last_login_at';
    const c = decodeCursor(input.cursor, `${input.sort}:${input.order}`, { date, nullable });
    const beyond = desc ? '<' : '>';
    // Keyset condition: rows strictly after (value, id) in the listing's order; nulls sort last.
    if (c.value === null) {
      add(`${field} is null and u.id ${beyond} ?`, c.id);
    } else {
      const v = date ? new Date(c.value) : c.value;
      const past = `${field} ${beyond} ? or (${field} = ? and u.id ${beyond} ?)`;
      if (nullable) {
        // Only a nullable column gets the `is null` alternative: on the others it would stop the (column, id)
        // index from being used.
        add(`(${past} or ${field} is null)`, v, v, c.id);
      } else {
        // The redundant bound (column ≤ value, or ≥) is what an index can start from: with the alternatives alone
        // PostgreSQL walks the index from its first entry, so a page deep in the list would read every row before
        // it.
        add(`${field} ${beyond}= ? and (${past})`, v, v, v, c.id);
      }
    }
  }
  // NULLS LAST only where there can be nulls: on PostgreSQL it would keep a descending walk off the (column, id)
  // index, and every search would sort all of its matches.
  const direction = `${desc ? 'desc' : 'asc'}${nullable ? ' nulls last' : ''}`;
  const sql = `select ${select('u')} ${filtered()} order by ${field} ${direction}, u.id ${desc ? 'desc' : 'asc'} limit ?`;
  const [total, rows] = await Promise.all([
    counting,
    conn.execute<Dictionary[]>(sql, [...fromParams, ...params, input.limit + 1], 'all', ctx),
  ]);
  const comparator = em.getComparator();
  const items = rows
    .slice(0, input.limit)
    .map((row) => comparator.mapResult<User>(User.name, row) as AdminUserFields);
  const last = items.at(-1);
  const nextCursor =
    rows.length > input.limit && last
      ? encodeCursor({
          sort: `${input.sort}:${input.order}`,
          value: cursorValue(last, input.sort),
          id: last.id,
        })
      : null;
  return { items, nextCursor, total };
}
