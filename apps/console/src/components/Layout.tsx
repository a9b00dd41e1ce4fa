import { useEffect, useRef, type ReactNode } from 'react';
import { useMe, useSession } from '../app/session';
import { useLocation } from '../app/navigation';
import { href } from '../lib/routes';
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

/** The signed-in frame: a skip link, the navigation, who is signed in, and the page's main region. */
export function Layout({ title, children }: { title: string; children: ReactNode }) {
  const me = useMe();
  const { signOut } = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  const { pathname } = useLocation();

  // After a navigation, move focus to the new page's heading so screen readers and keyboards start there.
  useEffect(() => {
    if (document.activeElement && document.activeElement !== document.body) heading.current?.focus();
  }, [pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
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
          <span>
            Signed in as <strong>{me.username}</strong>
          </span>
          <button type="button" className="button-quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children}
      </main>
    </>
  );
}
