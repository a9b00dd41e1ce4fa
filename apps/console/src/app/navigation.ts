import { useSyncExternalStore } from 'react';
import { href } from '../lib/routes';

// A small history router: the console's paths live under /console, and the server answers the page for each.

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const snapshot = () => `${window.location.pathname}${window.location.search}`;

/** The current path and search string, re-rendering on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const current = useSyncExternalStore(subscribe, snapshot);
  const at = current.indexOf('?');
  return at === -1
    ? { pathname: current, search: '' }
    : { pathname: current.slice(0, at), search: current.slice(at) };
}

/** Goes to a console path (`/admin/users?q=ada`), pushing a history entry unless `replace`. */
export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  const target = href(path);
  if (target === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  for (const listener of listeners) listener();
}

let returnTo: string | null = null;

/** Remembers where a signed-out visitor was going (a console path with its search), to go there after sign-in. */
export function rememberReturn(pathname: string, search: string): void {
  const inner = pathname.startsWith(href('/')) ? pathname.slice(href('/').length - 1) : '/';
  returnTo = inner === '/' || inner === '/sign-in' ? null : `${inner}${search}`;
}

/** Where to go after sign-in (once): the remembered path, else `fallback`. */
export function takeReturn(fallback: string): string {
  const target = returnTo ?? fallback;
  returnTo = null;
  return target;
}
