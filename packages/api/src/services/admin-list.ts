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
let selectList: string | undefined;

function columns(em: SqlEntityManager) {
  if (!columnsOf) {
    const props = em.getMetadata().get<User>(User.name).properties;
    columnsOf = (property) => props[property].fieldNames[0]!;
    selectList = ADMIN_USER_FIELDS.map((p) => `u.${columnsOf!(p)}`).join(', ');
  }
  return { column: columnsOf, select: selectList! };
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

export async function listUserPage(em: SqlEntityManager, input: AdminListInput): Promise<AdminUserPage> {
  const { column, select } = columns(em);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
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
      add(search('u'), p, p, p);
    }
  }
  if (input.role) add('u.role = ?', input.role);
  if (input.is_active !== undefined) add('u.is_active = ?', input.is_active);
  if (input.created_after) add('u.created_at >= ?', new Date(input.created_after));
  if (input.created_before) add('u.created_at < ?', new Date(input.created_before));
  const conn = em.getConnection('read');
  const ctx = em.getTransactionContext();
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
  const sql = `select ${select} ${filtered()} order by ${field} ${direction}, u.id ${desc ? 'desc' : 'asc'} limit ?`;
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
