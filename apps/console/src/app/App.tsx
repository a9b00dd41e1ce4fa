import { lazy, Suspense, useEffect } from 'react';
import { useSession } from './session';
import { navigate, rememberReturn, takeReturn, useLocation } from './navigation';
import { isAdminRoute, matchRoute, titleOf, type Route } from '../lib/routes';
import { Layout } from '../components/Layout';
import { Loading } from '../components/status';
import { SignInPage } from '../pages/SignInPage';
import { AccountPage } from '../pages/account/AccountPage';
import { NotFoundPage } from '../pages/NotFoundPage';

// The admin pages are loaded when first opened: people who only manage their own account never download them.
const DashboardPage = lazy(() => import('../pages/admin/DashboardPage'));
const UsersPage = lazy(() => import('../pages/admin/users/UsersPage'));
const UserPage = lazy(() => import('../pages/admin/user/UserPage'));
const AuditPage = lazy(() => import('../pages/admin/AuditPage'));
const WebhooksPage = lazy(() => import('../pages/admin/WebhooksPage'));

function Page({ route, search }: { route: Route; search: string }) {
  switch (route.name) {
    case 'account':
      return <AccountPage />;
    case 'dashboard':
      return <DashboardPage />;
    case 'users':
      return <UsersPage search={search} />;
    case 'user':
      return <UserPage id={route.id} />;
    case 'audit':
      return <AuditPage search={search} />;
    case 'webhooks':
      return <WebhooksPage />;
    default:
      return <NotFoundPage />;
  }
}

/** Picks the page for the URL, behind the sign-in gate; admins' pages only for admins. */
export function App() {
  const { state } = useSession();
  const { pathname, search } = useLocation();
  const route = matchRoute(pathname);
  const signedIn = state.status === 'signed-in';
  const admin = signedIn && state.user.role === 'admin';

  useEffect(() => {
    document.title = titleOf(route);
  }, [route]);

  // Where to go instead: signed-out people to sign-in (remembering where they were going), the home page to
  // the admin dashboard or the account page, and signed-in people away from sign-in.
  const redirect =
    state.status === 'restoring'
      ? null
      : !signedIn && route.name !== 'sign-in'
        ? '/sign-in'
        : signedIn && (route.name === 'home' || route.name === 'sign-in')
          ? admin
            ? '/admin'
            : '/account'
          : null;
  useEffect(() => {
    if (!redirect) return;
    if (redirect === '/sign-in') rememberReturn(pathname, search);
    navigate(route.name === 'sign-in' ? takeReturn(redirect) : redirect, { replace: true });
  }, [redirect, pathname, search, route.name]);

  if (state.status === 'restoring' || redirect) return <Loading what="Loading the console…" />;
  if (route.name === 'sign-in') return <SignInPage />;
  if (isAdminRoute(route) && !admin) {
    return (
      <Layout title="Admins only">
        {state.status === 'signed-in' && state.acting ? (
          <p>
            This page is for administrators, and you are acting as {state.user.username}, who is not one. Stop
            acting as them (in the banner above) to get back to the admin pages.
          </p>
        ) : (
          <p>This page is for administrators. Your account can manage itself on the Account page.</p>
        )}
      </Layout>
    );
  }
  return (
    <Suspense fallback={<Loading />}>
      <Page route={route} search={search} />
    </Suspense>
  );
}
