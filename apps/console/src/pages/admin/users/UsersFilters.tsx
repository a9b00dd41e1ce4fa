import { useState, type FormEvent } from 'react';
import { SelectField, TextField } from '../../../components/fields';
import type { UsersQuery } from '../../../lib/users-query';

const ROLES = [
  ['', 'Any role'],
  ['user', 'Users'],
  ['admin', 'Admins'],
] as const;
const STATUSES = [
  ['', 'Any status'],
  ['active', 'Active'],
  ['inactive', 'Deactivated'],
] as const;

/** Search on submit; role, status and counting apply as soon as they change. */
export function UsersFilters({
  query,
  onChange,
}: {
  query: UsersQuery;
  onChange: (next: UsersQuery) => void;
}) {
  const [q, setQ] = useState(query.q);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange({ ...query, q });
  };
  return (
    <form className="filters" role="search" aria-label="Find accounts" onSubmit={submit}>
      <TextField
        id="users-q"
        label="Search"
        type="search"
        placeholder="Email, username or name"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        maxLength={100}
      />
      <SelectField
        id="users-role"
        label="Role"
        options={ROLES}
        value={query.role}
        onChange={(e) => onChange({ ...query, q, role: e.target.value as UsersQuery['role'] })}
      />
      <SelectField
        id="users-status"
        label="Status"
        options={STATUSES}
        value={query.status}
        onChange={(e) => onChange({ ...query, q, status: e.target.value as UsersQuery['status'] })}
      />
      <div className="field field-check">
        <input
          id="users-total"
          type="checkbox"
          checked={query.total}
          onChange={(e) => onChange({ ...query, q, total: e.target.checked })}
        />
        <label htmlFor="users-total">Count all matches</label>
      </div>
      <button type="submit">Search</button>
    </form>
  );
}
