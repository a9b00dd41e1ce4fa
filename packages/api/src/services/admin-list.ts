import type { Dictionary } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { dialectOf, foldSearch } from '@roster/db';
import type { AdminListInput } from '../schemas/admin.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ADMIN_RECORD_FIELDS, type AdminRecordFields } from './serialize.js';
import { termGrams, type SearchGrams } from './search-grams.js';
import { selectList, userColumn, userRows } from './user-rows.js';

/** The admin account listing as one statement written out here, read as plain rows (see user-rows.ts). */

const SORT_PROPERTY = {
  created_at: 'createdAt',
  email: 'email',
  username: 'username',
  last_login_at: 'lastLoginAt',
} as const;

export interface AdminUserPage {
  items: AdminRecordFields[];
  nextCursor: string | null;
  total: number | null;
}

function likePattern(term: string): string {
  return `%${term.replace(/[!%_]/g, '!$&')}%`;
}

/**
 * The search condition (three values: likePattern of the folded term): the email (stored folded), the username
 * (ASCII, which lower() folds on both databases) or the full name folded by the application (full_name_folded,
 * see @roster/db's search-text.ts) holds the term. So case folds beyond ASCII on SQLite as on PostgreSQL, whose
 * lower() is what foldSearch does.
 */
function search(alias: string): string {
  return (
    `(${alias}.email like ? escape '!' or lower(${alias}.username) like ? escape '!' or ` +
    `${alias}.full_name_folded like ? escape '!')`
  );
}

function cursorValue(user: AdminRecordFields, sort: AdminListInput['sort']): string | null {
  const value = user[SORT_PROPERTY[sort]];
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * How many rows of the sort order a search (of three characters or more, sorted by another column than created_at,
 * whose searches walk a trigram's postings instead) tests with LIKE before it asks the trigram index: a common term
 * fills its page within them, a rare one (or one only old accounts match) is found sooner among the index's
 * candidates.
 */
const SEARCH_WINDOW = 500;

/**
 * PostgreSQL: the text its trigram index covers (Migration20261207030000ListIndexes): email, lower(username) and the
 * folded full name, one per line. A term without a line break (a search term never has one) is in it exactly when
 * it is in one of the three, so `searchText like '%term%'` is the search condition, one LIKE and one index.
 */
export function searchText(alias: string): string {
  return `(${alias}.email || E'\\n' || lower(${alias}.username) || E'\\n' || coalesce(${alias}.full_name_folded, ''))`;
}

type Condition = readonly [sql: string, values: readonly unknown[]];

function fromWhere(from: string, fromParams: readonly unknown[], conditions: readonly Condition[]) {
  const where = conditions.length ? ` where ${conditions.map(([sql]) => sql).join(' and ')}` : '';
  return {
    sql: `from ${from}${where}`,
    params: [...fromParams, ...conditions.flatMap(([, values]) => values)],
  };
}

/** Keyset condition: rows strictly after the cursor's (value, id) in the listing's order; nulls sort last. */
function after(input: AdminListInput, cursor: string, field: string, id = 'u.id'): Condition {
  const desc = input.order === 'desc';
  const date = input.sort === 'created_at' || input.sort === 'last_login_at';
  const nullable = input.sort === 'last_login_at';
  const c = decodeCursor(cursor, `${input.sort}:${input.order}`, { date, nullable });
  const beyond = desc ? '<' : '>';
  if (c.value === null) return [`${field} is null and ${id} ${beyond} ?`, [c.id]];
  const v = date ? new Date(c.value) : c.value;
  const past = `${field} ${beyond} ? or (${field} = ? and ${id} ${beyond} ?)`;
  // Only a nullable column gets the `is null` alternative: on the others it would stop the (column, id) index
  // from being used.
  if (nullable) return [`(${past} or ${field} is null)`, [v, v, c.id]];
  // The redundant bound (column ≤ value, or ≥) is what an index can start from: with the alternatives alone
  // PostgreSQL walks the index from its first entry, so a page deep in the list would read every row before it.
  return [`${field} ${beyond}= ? and (${past})`, [v, v, v, c.id]];
}

export async function listUserPage(
  em: SqlEntityManager,
  input: AdminListInput,
  grams: SearchGrams,
): Promise<AdminUserPage> {
  /** The columns admins see, of table `alias`. */
  const select = (alias: string) => selectList(em, ADMIN_RECORD_FIELDS, alias);
  const filters: Condition[] = [];
  if (input.role) filters.push(['u.role = ?', [input.role]]);
  if (input.is_active !== undefined) filters.push(['u.is_active = ?', [input.is_active]]);
  if (input.created_after) filters.push(['u.created_at >= ?', [new Date(input.created_after)]]);
  if (input.created_before) filters.push(['u.created_at < ?', [new Date(input.created_before)]]);

  // Where the matches of a search come from: every account tested with LIKE (`users as u` and the condition), or a
  // sub-query of the candidates an index gives. Either way LIKE decides, so the matches are exactly LIKE's.
  let from = 'users as u';
  let fromParams: unknown[] = [];
  const matching: Condition[] = [];
  const term = input.q ? foldSearch(input.q) : '';
  const p = likePattern(term);
  const postgres = dialectOf(em) === 'postgresql';
  // What a candidate carries: the columns the filters, the keyset and the order read (not the whole record: a common
  // term has thousands of candidates to order, and the page's rows are read afterwards by id).
  const narrow = (alias: string) =>
    [...new Set(['id', 'createdAt', 'role', 'isActive', SORT_PROPERTY[input.sort]] as const)]
      .map((p) => `${alias}.${userColumn(em, p)}`)
      .join(', ');
  // The condition on a row of `alias` that holds the columns searched.
  const match = (alias: string): Condition =>
    postgres ? [`${searchText(alias)} like ? escape '!'`, [p]] : [search(alias), [p, p, p]];
  // A term of three characters or more has trigrams to look up (a line break would join two columns' text).
  const indexed = input.q !== undefined && [...term].length >= 3 && !term.includes('\n');
  if (indexed && postgres) {
    // The candidates of the trigram index (one bitmap scan; with three indexes OR'ed the planner scanned the whole
    // table for a common term, ~20x slower), then ordered; the sub-query's (never reached) limit keeps the planner
    // from walking the sort index instead, testing every account until it has found a page (a term only old
    // accounts match would scan nearly all of them). A term common enough for a scan to pay fills its page in the
    // window first.
    const [sql, values] = match('m');
    from = `(select ${narrow('m')} from users as m where ${sql} limit 2147483647) as u`;
    fromParams = [...values];
  } else if (indexed) {
    // SQLite: the candidates come from the trigram index (Migration20261203000000FoldedName), a superset of the
    // matches (it folds the text and the term alike), which LIKE then decides; then they are ordered.
    const [sql, values] = match('m');
    from =
      `(select ${narrow('m')} from users_search as s cross join users as m on m.id = s.rowid ` +
      `where users_search match ? and ${sql} limit 2147483647) as u`;
    fromParams = [`"${term.replaceAll('"', '""')}"`, ...values];
  } else if (input.q) {
    // Shorter terms have no trigram to look up: the sort order is walked, each row tested.
    matching.push(match('u'));
  }

  // Counting every match is the expensive part of a search (a scan of all of them, where a page stops at
  // limit + 1 rows along an index): done only when asked for.
  const count = fromWhere(from, fromParams, [...matching, ...filters]);
  const counting =
    input.include_total === true
      ? em
          .getConnection('read')
          .execute<Dictionary>(
            `select count(*) as count ${count.sql}`,
            count.params,
            'get',
            em.getTransactionContext(),
          )
          .then((row) => Number(row.count))
      : Promise.resolve(null);

  const field = `u.${userColumn(em, SORT_PROPERTY[input.sort])}`;
  const desc = input.order === 'desc';
  const keyset = input.cursor ? [after(input, input.cursor, field)] : [];
  // NULLS LAST only where there can be nulls: on PostgreSQL it would keep a descending walk off the (column, id)
  // index, and every search would sort all of its matches.
  const orderOf = (sort: string, id: string) =>
    `order by ${sort} ${desc ? 'desc' : 'asc'}${input.sort === 'last_login_at' ? ' nulls last' : ''}, ` +
    `${id} ${desc ? 'desc' : 'asc'}`;
  const order = orderOf(field, 'u.id');
  const limit = input.limit + 1;
  const page = async (): Promise<AdminRecordFields[]> => {
    if (indexed && input.sort === 'created_at') {
      // The postings of one of the term's trigrams in the page's order, each account tested with LIKE: every match
      // holds every trigram of the term, so the first matches in order are the first matching postings. When the
      // walk holds a whole page it is the page; the trigram with the fewest postings finds it soonest.
      const gram = await grams.rarest(em, termGrams(term));
      const walkOrder = orderOf('w.created_at', 'w.user_id');
      /** The postings in reach of the page, of table `alias`: the trigram's, in the creation window, after the cursor. */
      const reach = (alias: string): Condition[] => {
        const bounds: Condition[] = [[`${alias}.gram = ?`, [gram]]];
        if (input.created_after) bounds.push([`${alias}.created_at >= ?`, [new Date(input.created_after)]]);
        if (input.created_before) bounds.push([`${alias}.created_at < ?`, [new Date(input.created_before)]]);
        if (input.cursor) bounds.push(after(input, input.cursor, `${alias}.created_at`, `${alias}.user_id`));
        return bounds;
      };
      const [sql, values] = match('u');
      let walked: { sql: string; params: unknown[] };
      if (postgres) {
        // The first `walk` postings, joined: PostgreSQL streams the join through the sub-query's limit and stops at
        // a page.
        const walk = fromWhere('user_search_grams as w', [], reach('w'));
        walked = fromWhere(
          `(select w.created_at, w.user_id ${walk.sql} ${walkOrder} limit ${grams.walk}) as w ` +
            'join users as u on u.id = w.user_id',
          walk.params,
          [[sql, values], ...filters],
        );
      } else {
        // SQLite would materialize that sub-query, join all `walk` postings to their accounts and sort them (0.5 ms
        // a search at 100,000 accounts, on the one connection every query waits for). Instead the walk is bounded
        // by its horizon, the creation time of its last posting (one seek along the index), and streamed: it stops
        // at a page. Postings tied with the horizon come along; what is walked is still a prefix of the order.
        const horizon = fromWhere('user_search_grams as b', [], reach('b'));
        const edge =
          `coalesce((select b.created_at ${horizon.sql} ${orderOf('b.created_at', 'b.user_id')} ` +
          `limit 1 offset ${grams.walk - 1}), ?)`;
        // Fewer postings than a walk: no horizon, every posting is in reach.
        const unbounded = new Date(desc ? -8.64e15 : 8.64e15);
        walked = fromWhere(
          'user_search_grams as w cross join users as u on u.id = w.user_id',
          [],
          [
            ...reach('w'),
            [`w.created_at ${desc ? '>=' : '<='} ${edge}`, [...horizon.params, unbounded]],
            [sql, values],
            ...filters,
          ],
        );
      }
      const rows = await userRows<AdminRecordFields>(
        em,
        `select ${select('u')} ${walked.sql} ${walkOrder} limit ?`,
        [...walked.params, limit],
      );
      if (rows.length === limit) return rows;
    } else if (indexed) {
      // The next SEARCH_WINDOW rows in order, tested with LIKE: when they hold a whole page it is the page (the
      // first matches in order are among them), and the index is not asked.
      const window = fromWhere('users as u', [], [...filters, ...keyset]);
      const [sql, values] = match('u');
      const rows = await userRows<AdminRecordFields>(
        em,
        `select ${select('u')} from (select ${select('u')}, u.full_name_folded ${window.sql} ${order} ` +
          `limit ${SEARCH_WINDOW}) as u where ${sql} ${order} limit ?`,
        [...window.params, ...values, limit],
      );
      if (rows.length === limit) return rows;
    }
    const q = fromWhere(from, fromParams, [...matching, ...filters, ...keyset]);
    if (!indexed) {
      return userRows<AdminRecordFields>(em, `select ${select('u')} ${q.sql} ${order} limit ?`, [
        ...q.params,
        limit,
      ]);
    }
    // The page's candidates in order, then their records.
    return userRows<AdminRecordFields>(
      em,
      `select ${select('r')} from users as r where r.id in (select u.id ${q.sql} ${order} limit ?) ` +
        orderOf(`r.${userColumn(em, SORT_PROPERTY[input.sort])}`, 'r.id'),
      [...q.params, limit],
    );
  };
  const [total, rows] = await Promise.all([counting, page()]);
  const items = rows.slice(0, input.limit);
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
