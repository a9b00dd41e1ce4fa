import type { RouterOutputs } from '@roster/sdk';
import { Link } from '../../../components/Link';
import { Badge } from '../../../components/status';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { ariaSort, type UsersQuery } from '../../../lib/users-query';

export type AdminUser = RouterOutputs['admin']['listUsers']['items'][number];

const COLUMNS: readonly { key: UsersQuery['sort'] | null; label: string }[] = [
  { key: 'username', label: 'Username' },
  { key: 'email', label: 'Email' },
  { key: null, label: 'Name' },
  { key: null, label: 'Role' },
  { key: null, label: 'Status' },
  { key: 'created_at', label: 'Created' },
  { key: 'last_login_at', label: 'Last sign-in' },
];

/** One page of accounts; the sortable columns' headers are buttons that sort by them. */
export function UsersTable({
  users,
  query,
  onSort,
}: {
  users: AdminUser[];
  query: UsersQuery;
  onSort: (sort: UsersQuery['sort']) => void;
}) {
  return (
    <div className="table-wrap" role="region" aria-label="Accounts" tabIndex={0}>
      <table className="users">
        <caption className="visually-hidden">
          Accounts, sorted by {query.sort.replace('_', ' ')} (
          {query.order === 'asc' ? 'ascending' : 'descending'})
        </caption>
        <thead>
          <tr>
            {COLUMNS.map(({ key, label }) =>
              key ? (
                <th key={label} scope="col" aria-sort={ariaSort(query, key)}>
                  <button type="button" className="sort" onClick={() => onSort(key)}>
                    {label}
                    <span aria-hidden="true" className="sort-mark">
                      {query.sort === key ? (query.order === 'asc' ? ' ▲' : ' ▼') : ''}
                    </span>
                  </button>
                </th>
              ) : (
                <th key={label} scope="col">
                  {label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <th scope="row">
                <Link to={`/admin/users/${u.id}`}>{u.username}</Link>
              </th>
              <td className="cell-wrap">{u.email}</td>
              <td>{u.full_name ?? '—'}</td>
              <td>{u.role === 'admin' ? <Badge tone="info">Admin</Badge> : 'User'}</td>
              <td>
                {u.is_active ? <Badge tone="ok">Active</Badge> : <Badge tone="warn">Deactivated</Badge>}
              </td>
              <td>{formatDateTime(u.created_at)}</td>
              <td>{formatRelative(u.last_login_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
