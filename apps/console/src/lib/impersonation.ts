/**
 * An admin acting as an account: what the console keeps about it, when it is offered, and its countdown. The
 * impersonation token is kept (with the reason and its end) in this tab's sessionStorage under IMPERSONATION_KEY,
 * beside the admin's own refresh token, which stays untouched until the admin stops.
 */

export const IMPERSONATION_KEY = 'roster.console.impersonation';

export interface ActingAs {
  /** The impersonation access token (no refresh token: it lasts at most 15 minutes). */
  token: string;
  /** The account acted as. */
  user: { id: number; username: string };
  /** The admin acting. */
  admin: { id: number; username: string };
  reason: string;
  /** When the token stops working, in ms since the epoch. */
  expiresAt: number;
}

const isAccount = (value: unknown): value is { id: number; username: string } =>
  typeof value === 'object' &&
  value !== null &&
  Number.isInteger((value as { id: unknown }).id) &&
  typeof (value as { username: unknown }).username === 'string';

/** What sessionStorage keeps. */
export function serializeActing(acting: ActingAs): string {
  return JSON.stringify(acting);
}

/** What sessionStorage held, when it is a well-formed impersonation; null for nothing, garbage or another shape. */
export function parseActing(raw: string | null): ActingAs | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { token, user, admin, reason, expiresAt } = value as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0) return null;
  if (!isAccount(user) || !isAccount(admin) || typeof reason !== 'string') return null;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return null;
  return {
    token,
    user: { id: user.id, username: user.username },
    admin: { id: admin.id, username: admin.username },
    reason,
    expiresAt,
  };
}

/** The end of a token that lasts `expiresIn` seconds from `now` (ms). */
export function expiresAtFrom(expiresIn: number, now: number): number {
  return now + expiresIn * 1000;
}

/** Whole seconds until `expiresAt` (rounded up, so the last second still counts), 0 once it has passed. */
export function secondsUntil(expiresAt: number, now: number): number {
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}

/** "15 minutes left", "1 minute left", "45 seconds left", "1 second left", "no time left". */
export function formatTimeLeft(seconds: number): string {
  if (seconds <= 0) return 'no time left';
  if (seconds < 60) return seconds === 1 ? '1 second left' : `${seconds} seconds left`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute left' : `${minutes} minutes left`;
}

/** The reason's problem before it is sent (the API asks 3 to 500 characters), or null. */
export function reasonError(reason: string): string | null {
  const text = reason.trim();
  if (text.length < 3) return 'Say why, in at least 3 characters (a ticket number will do).';
  if (text.length > 500) return 'Use at most 500 characters.';
  return null;
}

/**
 * Why an admin cannot act as `target`, or null when they may try: not as oneself, another admin or a deactivated
 * account. The API refuses these too (and answers for any change made meanwhile).
 */
export function impersonationBlocker(
  target: { id: number; role: 'user' | 'admin'; is_active: boolean },
  me: { id: number },
): string | null {
  if (target.id === me.id) return 'This is your own account: you cannot act as yourself.';
  if (target.role === 'admin') return 'Admins cannot be impersonated.';
  if (!target.is_active) return 'This account is deactivated: reactivate it to act as it.';
  return null;
}

/**
 * How a session list names the admin behind an impersonation session (`impersonated_by`): by username, or by id
 * once that account is gone; null for the owner's own sign-ins.
 */
export function impersonatedByLabel(by: { id: number; username: string | null } | null): string | null {
  if (!by) return null;
  return `Impersonation by ${by.username ?? `a deleted admin (#${by.id})`}`;
}
