/** The console's pages and the paths they live at, under /console. */

export const BASE = '/console';

export type Route =
  | { name: 'home' }
  | { name: 'sign-in' }
  | { name: 'account' }
  | { name: 'dashboard' }
  | { name: 'users' }
  | { name: 'user'; id: number }
  | { name: 'audit' }
  | { name: 'webhooks' }
  | { name: 'not-found' };

/** The route a location's pathname names. */
export function matchRoute(pathname: string): Route {
  const inner = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const path = `/${inner.split('/').filter(Boolean).join('/')}`;
  switch (path) {
    case '/':
      return { name: 'home' };
    case '/sign-in':
      return { name: 'sign-in' };
    case '/account':
      return { name: 'account' };
    case '/admin':
      return { name: 'dashboard' };
    case '/admin/users':
      return { name: 'users' };
    case '/admin/audit':
      return { name: 'audit' };
    case '/admin/webhooks':
      return { name: 'webhooks' };
  }
  const user = /^\/admin\/users\/(\d{1,10})$/.exec(path);
  if (user && Number(user[1]) > 0 && Number(user[1]) <= 2_147_483_647)
    return { name: 'user', id: Number(user[1]) };
  return { name: 'not-found' };
}

/** The full path of a console path: href('/admin/users') → '/console/admin/users'. */
export function href(path: string): string {
  const inner = path.startsWith('/') ? path : `/${path}`;
  return inner === '/' ? `${BASE}/` : `${BASE}${inner}`;
}

/** True for the routes only admins may open. */
export function isAdminRoute(route: Route): boolean {
  return ['dashboard', 'users', 'user', 'audit', 'webhooks'].includes(route.name);
}

/** The document title of a route. */
export function titleOf(route: Route): string {
  const titles: Record<Route['name'], string> = {
    home: 'Roster console',
    'sign-in': 'Sign in',
    account: 'Your account',
    dashboard: 'Dashboard',
    users: 'Users',
    user: `User #${route.name === 'user' ? route.id : ''}`,
    audit: 'Audit log',
    webhooks: 'Webhooks',
    'not-found': 'Page not found',
  };
  return `${titles[route.name]} · Roster`;
}
