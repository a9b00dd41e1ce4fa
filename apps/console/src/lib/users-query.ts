import type { RouterInputs } from '@roster/sdk';

/** The users table's filters and sort, as they appear in the page's URL (?q=ada&role=admin&status=active&sort=…). */
export interface UsersQuery {
  q: string;
  role: '' | 'user' | 'admin';
  status: '' | 'active' | 'inactive';
  sort: 'created_at' | 'email' | 'username' | 'last_login_at';
  order: 'asc' | 'desc';
  total: boolean;
}

export const DEFAULT_USERS_QUERY: UsersQuery = {
  q: '',
  role: '',
  status: '',
  sort: 'created_at',
  order: 'desc',
  total: false,
};

const SORTS = ['created_at', 'email', 'username', 'last_login_at'] as const;

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** The query a URL's search string names; anything unknown falls back to the default. */
export function parseUsersQuery(search: string): UsersQuery {
  const params = new URLSearchParams(search);
  return {
    q: (params.get('q') ?? '').slice(0, 100),
    role: oneOf(params.get('role'), ['', 'user', 'admin'] as const, ''),
    status: oneOf(params.get('status'), ['', 'active', 'inactive'] as const, ''),
    sort: oneOf(params.get('sort'), SORTS, 'created_at'),
    order: oneOf(params.get('order'), ['asc', 'desc'] as const, 'desc'),
    total: params.get('total') === '1',
  };
}

/** The search string for a query, default values left out ("" for the default query). */
export function usersQueryString(query: UsersQuery): string {
  const params = new URLSearchParams();
  if (query.q.trim()) params.set('q', query.q.trim());
  if (query.role) params.set('role', query.role);
  if (query.status) params.set('status', query.status);
  if (query.sort !== DEFAULT_USERS_QUERY.sort) params.set('sort', query.sort);
  if (query.order !== DEFAULT_USERS_QUERY.order) params.set('order', query.order);
  if (query.total) params.set('total', '1');
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The admin.listUsers input for a query and a page. */
export function listUsersInput(
  query: UsersQuery,
  cursor: string | undefined,
  limit: number,
): RouterInputs['admin']['listUsers'] {
  return {
    ...(query.q.trim() ? { q: query.q.trim() } : {}),
    ...(query.role ? { role: query.role } : {}),
    ...(query.status ? { is_active: query.status === 'active' ? 'true' : 'false' } : {}),
    sort: query.sort,
    order: query.order,
    limit,
    ...(cursor ? { cursor } : {}),
    ...(query.total ? { include_total: 'true' } : {}),
  };
}

/** Clicking a column header: the same column flips the order, another one sorts by it (dates newest first). */
export function toggleSort(query: UsersQuery, sort: UsersQuery['sort']): UsersQuery {
  if (query.sort === sort) return { ...query, order: query.order === 'asc' ? 'desc' : 'asc' };
  const dates = sort === 'created_at' || sort === 'last_login_at';
  return { ...query, sort, order: dates ? 'desc' : 'asc' };
}

/** The aria-sort value of a column header. */
export function ariaSort(query: UsersQuery, sort: UsersQuery['sort']): 'ascending' | 'descending' | 'none' {
  if (query.sort !== sort) return 'none';
  return query.order === 'asc' ? 'ascending' : 'descending';
}
