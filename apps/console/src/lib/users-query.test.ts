import { describe, expect, it } from 'vitest';
import {
  ariaSort,
  DEFAULT_USERS_QUERY,
  listUsersInput,
  parseUsersQuery,
  toggleSort,
  usersQueryString,
} from './users-query';

describe('users query in the URL', () => {
  it('round-trips, leaving defaults out', () => {
    const query = {
      q: 'ada',
      role: 'admin',
      status: 'inactive',
      sort: 'username',
      order: 'asc',
      total: true,
    } as const;
    const text = usersQueryString(query);
    expect(text).toBe('?q=ada&role=admin&status=inactive&sort=username&order=asc&total=1');
    expect(parseUsersQuery(text)).toEqual(query);
    expect(usersQueryString(DEFAULT_USERS_QUERY)).toBe('');
    expect(usersQueryString({ ...DEFAULT_USERS_QUERY, q: '   ' })).toBe('');
  });

  it('falls back to the defaults for anything unknown', () => {
    expect(parseUsersQuery('?role=root&status=x&sort=password&order=up&total=yes')).toEqual(
      DEFAULT_USERS_QUERY,
    );
    expect(parseUsersQuery(`?q=${'a'.repeat(150)}`).q).toHaveLength(100);
  });
});

describe('listUsersInput', () => {
  it('sends only what is set, is_active and include_total as strings', () => {
    expect(listUsersInput(DEFAULT_USERS_QUERY, undefined, 20)).toEqual({
      sort: 'created_at',
      order: 'desc',
      limit: 20,
    });
    expect(
      listUsersInput(
        { q: ' ada ', role: 'user', status: 'active', sort: 'email', order: 'asc', total: true },
        'c1',
        50,
      ),
    ).toEqual({
      q: 'ada',
      role: 'user',
      is_active: 'true',
      sort: 'email',
      order: 'asc',
      limit: 50,
      cursor: 'c1',
      include_total: 'true',
    });
    expect(listUsersInput({ ...DEFAULT_USERS_QUERY, status: 'inactive' }, undefined, 20).is_active).toBe(
      'false',
    );
  });
});

describe('sorting by column', () => {
  it('flips the order on the same column; dates start newest first, text A to Z', () => {
    const byCreated = DEFAULT_USERS_QUERY;
    expect(toggleSort(byCreated, 'created_at')).toMatchObject({ sort: 'created_at', order: 'asc' });
    expect(toggleSort({ ...byCreated, order: 'asc' }, 'created_at')).toMatchObject({ order: 'desc' });
    expect(toggleSort(byCreated, 'username')).toMatchObject({ sort: 'username', order: 'asc' });
    expect(toggleSort({ ...byCreated, sort: 'username' }, 'last_login_at')).toMatchObject({ order: 'desc' });
  });

  it('marks the sorted column for assistive technology', () => {
    expect(ariaSort(DEFAULT_USERS_QUERY, 'created_at')).toBe('descending');
    expect(ariaSort({ ...DEFAULT_USERS_QUERY, order: 'asc' }, 'created_at')).toBe('ascending');
    expect(ariaSort(DEFAULT_USERS_QUERY, 'email')).toBe('none');
  });
});
