import { createRosterClient, webStorage, type RosterClient, type StorageLike } from '@roster/sdk';

/** Where the refresh token is kept: this tab's sessionStorage, so a reload keeps the session and closing the tab ends it. */
export const REFRESH_KEY = 'roster.console.refresh';

/**
 * The console's one Roster client. The access token stays in memory (the SDK's default storage) and the refresh
 * token in sessionStorage: never a cookie, so the API never has to trust one. `logout()` clears both.
 */
export function createConsoleClient(origin: string, session: StorageLike): RosterClient {
  return createRosterClient({ url: origin, refreshStorage: webStorage(session, REFRESH_KEY) });
}

/**
 * A client sending an impersonation token (kept in its memory only: it has no refresh token), for an
 * impersonation restored after a reload. `logout()` ends the impersonation on the server.
 */
export function createActingClient(origin: string, token: string): RosterClient {
  return createRosterClient({ url: origin, token });
}
