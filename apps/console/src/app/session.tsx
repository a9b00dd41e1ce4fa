import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { LoginSession, MfaRequired, RosterClient, RouterInputs, RouterOutputs } from '@roster/sdk';

export type Me = RouterOutputs['auth']['me'];

export type SessionState =
  | { status: 'restoring' }
  | { status: 'signed-out'; notice: string | null }
  | { status: 'signed-in'; user: Me };

export interface Session {
  state: SessionState;
  client: RosterClient;
  /** A password sign-in: signed in, or the second step it needs (an account with MFA). */
  signIn(input: RouterInputs['auth']['login']): Promise<MfaRequired | null>;
  /** A login completed another way (a second factor, a passkey): the client keeps it, the console shows it. */
  signedIn(session: LoginSession): void;
  signOut(): Promise<void>;
  /** The API said the session is over: forget it and say so on the sign-in page. */
  expire(notice?: string): void;
  /** Replace the signed-in account's record (after a profile change). */
  setUser(user: Me): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in account; only for pages rendered behind the sign-in gate. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useMe without a signed-in account');
  return state.user;
}

export const SESSION_ENDED = 'Your session has ended. Sign in again to continue.';

export function SessionProvider({ client, children }: { client: RosterClient; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'restoring' });

  // A reload keeps the session: the refresh token in sessionStorage buys a new access token.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      let user: Me | null = null;
      try {
        if (await client.refresh()) user = await client.auth.me.query();
      } catch {
        user = null;
      }
      if (!cancelled) setState(user ? { status: 'signed-in', user } : { status: 'signed-out', notice: null });
    })();
    return () => {
      cancelled = true;
    };
  }, [client]);

  const signIn = useCallback(
    async (input: RouterInputs['auth']['login']) => {
      const result = await client.login(input);
      if (result.status === 'mfa_required') return result;
      setState({ status: 'signed-in', user: result.user });
      return null;
    },
    [client],
  );
  const signedIn = useCallback(
    (session: LoginSession) => setState({ status: 'signed-in', user: session.user }),
    [],
  );
  const signOut = useCallback(async () => {
    await client.logout();
    setState({ status: 'signed-out', notice: 'You have signed out.' });
  }, [client]);
  const expire = useCallback(
    (notice = SESSION_ENDED) => {
      void client.logout();
      setState({ status: 'signed-out', notice });
    },
    [client],
  );
  const setUser = useCallback((user: Me) => setState({ status: 'signed-in', user }), []);

  const value = useMemo(
    () => ({ state, client, signIn, signedIn, signOut, expire, setUser }),
    [state, client, signIn, signedIn, signOut, expire, setUser],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
