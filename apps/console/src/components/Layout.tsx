import { useEffect, useRef, type ReactNode } from 'react';
import { useActing, useMe, useSession } from '../app/session';
import { useLocation } from '../app/navigation';
import { href } from '../lib/routes';
import { ImpersonationBanner } from './ImpersonationBanner';
import { Link } from './Link';

const ADMIN_NAV = [
  ['/admin', 'Dashboard'],
  ['/admin/users', 'Users'],
  ['/admin/audit', 'Audit log'],
  ['/admin/webhooks', 'Webhooks'],
] as const;

function NavLink({ to, children }: { to: string; children: ReactNode }) {
  const { pathname } = useLocation();
  const target = href(to);
  const current = pathname === target || (to !== '/admin' && pathname.startsWith(`${target}/`));
  return (
    <Link to={to} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/**
 * The signed-in frame: a skip link, the impersonation banner while an admin acts as an account, the navigation,
 * who is signed in, and the page's main region (with the message left for this page, if any).
 */
export function Layout({ title, children }: { title: string; children: ReactNode }) {
  const me = useMe();
  const acting = useActing();
  const { signOut, flash, dismissFlash } = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  const { pathname } = useLocation();

  // After a navigation, move focus to the new page's heading so screen readers and keyboards start there
  // (unless an impersonation that just started took it, to say so).
  useEffect(() => {
    const active = document.activeElement;
    if (active && active !== document.body && !active.closest('.impersonation')) heading.current?.focus();
  }, [pathname]);
  // A message left for this page (an impersonation ended): start at the heading, the message right after it.
  const flashed = flash !== null && flash.path === pathname;
  useEffect(() => {
    if (flashed) heading.current?.focus();
  }, [flashed]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {acting ? <ImpersonationBanner acting={acting} /> : null}
      <header className="topbar">
        <Link to="/" className="brand">
          Roster console
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/account">Account</NavLink>
            </li>
            {me.role === 'admin'
              ? ADMIN_NAV.map(([to, text]) => (
                  <li key={to}>
                    <NavLink to={to}>{text}</NavLink>
                  </li>
                ))
              : null}
          </ul>
        </nav>
        <div className="whoami">
          {acting ? (
            // Signing out is for the admin's own session: they stop acting first (the banner's Stop).
            <span>
              Acting as <strong>{me.username}</strong>{' '}
              <span className="muted">(you are {acting.admin.username})</span>
            </span>
          ) : (
            <>
              <span>
                Signed in as <strong>{me.username}</strong>
              </span>
              <button type="button" className="button-quiet" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {flash && flashed ? (
          <div className="alert alert-info flash" role="status">
            <p>{flash.text}</p>
            <button type="button" className="button-quiet button-small" onClick={dismissFlash}>
              Dismiss
            </button>
          </div>
        ) : null}
        {children}
      </main>
    </>
  );
}
