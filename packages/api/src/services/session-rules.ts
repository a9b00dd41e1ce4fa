import type { Session } from '@roster/db';
import type { AccessClaims } from './tokens.js';

/**
 * The pure rules of sessions, shared by the session service and the auth cache (which holds snapshots only):
 * what a snapshot is, whether it still backs a token, and what a login or refresh hands out.
 */

export interface IssuedTokens {
  sessionId: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export type SessionSnapshot = Pick<Session, 'id' | 'userId' | 'createdAt' | 'lastUsedAt' | 'expiresAt'> &
  Partial<Pick<Session, 'ip' | 'userAgent'>>;

/** last_used_at is written at most this often by plain requests (refreshes always write it). */
const TOUCH_INTERVAL_MS = 5 * 60_000;
/**
 * Whether a session (a row or a cached snapshot) still backs a token with these claims: `dead` (missing, someone
 * else's, revoked or expired), `stale` (live, but `last_used_at` is due to be written) or `live`.
 */
export function sessionState(
  claims: Pick<AccessClaims, 'userId'>,
  session: (SessionSnapshot & { revokedAt?: Date | null }) | null,
  now: number,
): 'dead' | 'stale' | 'live' {
  if (
    !session ||
    session.userId !== claims.userId ||
    (session.revokedAt !== undefined && session.revokedAt !== null) ||
    session.expiresAt.getTime() <= now
  ) {
    return 'dead';
  }
  return now - session.lastUsedAt.getTime() > TOUCH_INTERVAL_MS ? 'stale' : 'live';
}
