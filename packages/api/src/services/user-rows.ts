import type { Dictionary } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { User } from '@roster/db';

/**
 * Read-only pages of accounts as plain rows: statements written out with "?" values, which the connection formats
 * for the database exactly as it does the query builder's (dates as epoch milliseconds on SQLite, ISO strings on
 * PostgreSQL), instead of building them with the query builder per request (whose work per call cost more than the
 * query); rows mapped to property names by MikroORM's result mapper (the dates and booleans an entity would hold),
 * without hydrating an entity per row.
 */

/** Column names by property, from the entity's metadata (once per process). */
let columnOf: ((property: keyof User) => string) | undefined;
const selects = new Map<string, string>();

export function userColumn(em: SqlEntityManager, property: keyof User): string {
  if (!columnOf) {
    const props = em.getMetadata().get<User>(User.name).properties;
    columnOf = (p) => props[p].fieldNames[0]!;
  }
  return columnOf(property);
}

/** `alias.column, …` for these properties (worked out once per list of fields and alias). */
export function selectList(em: SqlEntityManager, fields: readonly (keyof User)[], alias: string): string {
  const key = `${alias}:${fields.join(',')}`;
  let select = selects.get(key);
  if (select === undefined) {
    select = fields.map((p) => `${alias}.${userColumn(em, p)}`).join(', ');
    selects.set(key, select);
  }
  return select;
}

/** Runs a read of `users` columns and maps each row to property names. */
export async function userRows<T>(
  em: SqlEntityManager,
  sql: string,
  params: readonly unknown[],
): Promise<T[]> {
  const rows = await em
    .getConnection('read')
    .execute<Dictionary[]>(sql, [...params], 'all', em.getTransactionContext());
  const comparator = em.getComparator();
  return rows.map((row) => comparator.mapResult<User>(User.name, row) as T);
}
