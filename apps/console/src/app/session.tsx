import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type {
  LoginSession,
  MfaRequired,
  RosterClient,
  RouterInputs,
  RouterOutputs,
  StorageLike,
} from '@roster/sdk';
import {
  expiresAtFrom,
  IMPERSONATION_KEY,
  parseActing,
  secondsUntil,
  serializeActing,
  type ActingAs,
} from '../lib/impersonation';
import { href } from '../lib/routes';
import { navigate } from './navigation';

export type Me = RouterOutputs['auth']['me'];

/** An admin acting as an account: what is kept about it, the client sending its token, and the admin's own record. */
export interface Acting {
  as: ActingAs;
  client: RosterClient;
  /** The admin's record, shown again when they stop. */
  admin: Me;
  /** Started in this page (not resumed after a reload): the banner takes the focus to say so. */
  fresh: boolean;
}

export type SessionState =
  | { status: 'restoring' }
  | { status: 'signed-out'; notice: string | null }
  | { status: 'signed-in'; user: Me; acting: Acting | null };

/** A message for one page (its full path), shown there until dismissed: how an impersonation ended. */
export interface Flash {
  path: string;
  text: string;
}

export interface Session {
  state: SessionState;
  /** The client pages call through: the impersonation's while an admin acts as an account, else the signed-in one. */
  client: RosterClient;
  /** A password sign-in: signed in, or the second step it needs (an account with MFA). */
  signIn(input: RouterInputs['auth']['login']): Promise<MfaRequired | null>;
  /** A login completed another way (a second factor, a passkey): the client keeps it, the console shows it. */
  signedIn(session: LoginSession): void;
  signOut(): Promise<void>;
  /**
   * The API said the session is over: forget it and say so on the sign-in page. While acting as an account it is
   * the impersonation that is over: the console goes back to the admin's own session.
   */
  expire(notice?: string): void;
  /** Replace the signed-in (or acted-as) account's record (after a profile change). */
  setUser(user: Me): void;
  /**
   * Admins: act as account `target` for `reason` (rejects with the API's refusal). The admin's own tokens stay as
   * they are, in memory and sessionStorage, until they stop.
   */
  impersonate(target: { id: number; username: string }, reason: string): Promise<void>;
  /** Ends the impersonation (logging out its token) and returns to the admin's session and the account's page. */
  stopImpersonating(notice?: string): Promise<void>;
  flash: Flash | null;
  dismissFlash(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in account (the acted-as one while impersonating); only for pages behind the sign-in gate. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useMe without a signed-in account');
  return state.user;
}

/** The impersonation under way, or null. */
export function useActing(): Acting | null {
  const { state } = useSession();
  return state.status === 'signed-in' ? state.acting : null;
}

export const SESSION_ENDED = 'Your session has ended. Sign in again to continue.';

export function SessionProvider({
  client,
  storage,
  actAs,
  children,
}: {
  /** The signed-in person's own client. */
  client: RosterClient;
  /** This tab's sessionStorage: where an impersonation is kept across reloads. */
  storage: StorageLike;
  /** A client sending an impersonation token (to resume one after a reload). */
  actAs: (token: string) => RosterClient;
  children: ReactNode;
}) {
  const [state, setState] = useState<SessionState>({ status: 'restoring' });
  const [flash, setFlash] = useState<Flash | null>(null);
  // The state as of the last change, for the callbacks (kept stable, so pages' effects do not rerun).
  const current = useRef<SessionState>(state);
  const stopping = useRef(false);
  const commit = useCallback((next: SessionState) => {
    current.current = next;
    setState(next);
  }, []);

  /** Forgets a kept impersonation: its record here, and (best effort) its session on the server. */
  const discard = useCallback(
    (token: string | null) => {
      storage.removeItem(IMPERSONATION_KEY);
      if (token) void actAs(token).logout();
    },
    [storage, actAs],
  );

  // A reload keeps the session: the refresh token in sessionStorage buys a new access token. An impersonation
  // kept beside it resumes if Roster still accepts its token; otherwise the admin is told it ended.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const kept = parseActing(storage.getItem(IMPERSONATION_KEY));
      let admin: Me | null = null;
      let resumed: Acting | null = null;
      let user: Me | null = null;
      try {
        if (await client.refresh()) admin = await client.auth.me.query();
        if (admin && kept && kept.admin.id === admin.id && secondsUntil(kept.expiresAt, Date.now()) > 0) {
          const acting = actAs(kept.token);
          user = await acting.auth.me.query().catch(() => null);
          if (user && user.id === kept.user.id && user.impersonator?.id === admin.id) {
            resumed = { as: kept, client: acting, admin, fresh: false };
          }
        }
      } catch {
        admin = null;
      }
      if (cancelled) return;
      if (kept && !resumed) {
        discard(kept.token);
        if (admin) {
          setFlash({
            path: window.location.pathname,
            text: `Your time acting as ${kept.user.username} has ended.`,
          });
        }
      }
      if (!admin) commit({ status: 'signed-out', notice: null });
      else if (resumed && user) commit({ status: 'signed-in', user, acting: resumed });
      else commit({ status: 'signed-in', user: admin, acting: null });
    })();
    return () => {
      cancelled = true;
    };
  }, [client, storage, actAs, discard, commit]);

  const stopImpersonating = useCallback(
    async (notice?: string) => {
      const now = current.current;
      if (now.status !== 'signed-in' || !now.acting || stopping.current) return;
      stopping.current = true;
      const { as, client: acting, admin } = now.acting;
      try {
        // Ends the impersonation's session on the server; the admin's tokens were never touched.
        await acting.logout();
      } finally {
        storage.removeItem(IMPERSONATION_KEY);
        stopping.current = false;
      }
      const page = `/admin/users/${as.user.id}`;
      setFlash({ path: href(page), text: notice ?? `You stopped acting as ${as.user.username}.` });
      commit({ status: 'signed-in', user: admin, acting: null });
      navigate(page);
    },
    [storage, commit],
  );

  const impersonate = useCallback(
    async (target: { id: number; username: string }, reason: string) => {
      const now = current.current;
      if (now.status !== 'signed-in' || now.acting)
        throw new Error('Stop acting as the other account first.');
      const admin = now.user;
      const started = await client.impersonate({ id: target.id, reason });
      const as: ActingAs = {
        token: started.access_token,
        user: { id: started.user.id, username: started.user.username },
        admin: { id: admin.id, username: admin.username },
        reason: reason.trim(),
        expiresAt: expiresAtFrom(started.expires_in, Date.now()),
      };
      storage.setItem(IMPERSONATION_KEY, serializeActing(as));
      setFlash(null);
      commit({
        status: 'signed-in',
        user: started.user,
        acting: { as, client: started.client, admin, fresh: true },
      });
      navigate('/account');
    },
    [client, storage, commit],
  );

  const signIn = useCallback(
    async (input: RouterInputs['auth']['login']) => {
      const result = await client.login(input);
      if (result.status === 'mfa_required') return result;
      setFlash(null);
      commit({ status: 'signed-in', user: result.user, acting: null });
      return null;
    },
    [client, commit],
  );
  const signedIn = useCallback(
    (session: LoginSession) => {
      setFlash(null);
      commit({ status: 'signed-in', user: session.user, acting: null });
    },
    [commit],
  );
  const signOut = useCallback(async () => {
    const now = current.current;
    if (now.status === 'signed-in' && now.acting) discard(now.acting.as.token);
    await client.logout();
    commit({ status: 'signed-out', notice: 'You have signed out.' });
  }, [client, discard, commit]);
  const expire = useCallback(
    (notice = SESSION_ENDED) => {
      const now = current.current;
      if (now.status === 'signed-in' && now.acting) {
        const { username } = now.acting.as.user;
        void stopImpersonating(`Acting as ${username} has ended: Roster no longer accepts its token.`);
        return;
      }
      void client.logout();
      commit({ status: 'signed-out', notice });
    },
    [client, stopImpersonating, commit],
  );
  const setUser = useCallback(
    (user: Me) => {
      const now = current.current;
      if (now.status === 'signed-in') commit({ ...now, user });
    },
    [commit],
  );
  const dismissFlash = useCallback(() => setFlash(null), []);

  const active = state.status === 'signed-in' && state.acting ? state.acting.client : client;
  const value = useMemo(
    () => ({
      state,
      client: active,
      signIn,
      signedIn,
      signOut,
      expire,
      setUser,
      impersonate,
      stopImpersonating,
      flash,
      dismissFlash,
    }),
    [
      state,
      active,
      signIn,
      signedIn,
      signOut,
      expire,
      setUser,
      impersonate,
      stopImpersonating,
      flash,
      dismissFlash,
    ],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
