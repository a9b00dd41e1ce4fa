import { describe, expect, it } from 'vitest';
import { href, isAdminRoute, matchRoute, titleOf } from './routes';

describe('routes', () => {
  it.each([
    ['/console', { name: 'home' }],
    ['/console/', { name: 'home' }],
    ['/console/sign-in', { name: 'sign-in' }],
    ['/console/account/', { name: 'account' }],
    ['/console/admin', { name: 'dashboard' }],
    ['/console/admin/users', { name: 'users' }],
    ['/console/admin/users/42', { name: 'user', id: 42 }],
    ['/console/admin/audit', { name: 'audit' }],
    ['/console/admin/webhooks', { name: 'webhooks' }],
    ['/console/admin/users/0', { name: 'not-found' }],
    ['/console/admin/users/99999999999', { name: 'not-found' }],
    ['/console/admin/users/abc', { name: 'not-found' }],
    ['/console/nope', { name: 'not-found' }],
    ['/account', { name: 'account' }],
  ])('%s → %o', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('builds full paths under /console', () => {
    expect(href('/')).toBe('/console/');
    expect(href('/admin/users?q=a')).toBe('/console/admin/users?q=a');
    expect(href('account')).toBe('/console/account');
  });

  it('knows the admin routes and titles every route', () => {
    expect(isAdminRoute({ name: 'users' })).toBe(true);
    expect(isAdminRoute({ name: 'account' })).toBe(false);
    expect(titleOf({ name: 'user', id: 7 })).toBe('User #7 · Roster');
    expect(titleOf({ name: 'audit' })).toBe('Audit log · Roster');
    expect(titleOf({ name: 'home' })).toBe('Roster console · Roster');
  });
});
