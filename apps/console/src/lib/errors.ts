import { isRosterError, type RosterError } from '@roster/sdk';

/** An API failure as a page shows it: one message for the form, one per field, and a wait when rate limited. */
export interface UiError {
  /** The message shown above the form (or where the action was taken). */
  message: string;
  /** Messages for individual fields, by the dotted path of the input field (`email`, `password`, …). */
  fields: Record<string, string>;
  /** Seconds to wait before trying again (429), else null. */
  retryAfter: number | null;
  /** Roster's code, or CLIENT_ERROR for anything that is not a RosterError. */
  code: string;
  /** The HTTP status; 0 when no answer came. */
  status: number;
  /** When the answer came (ms since the epoch): a 429's wait counts from here. */
  at: number;
}

/** Messages the console words itself, where Roster's own detail would not tell a person what to do. */
const MESSAGES: Partial<Record<string, string>> = {
  VERSION_CONFLICT:
    'Someone else changed this account after you opened it. Reload it to see their changes, then make yours again.',
  NETWORK_ERROR: 'Roster could not be reached. Check your connection and try again.',
  VALIDATION_ERROR: 'Some fields need attention.',
  INVALID_CREDENTIALS: 'Incorrect username, email or password.',
  ACCOUNT_DEACTIVATED: 'This account has been deactivated. Ask an administrator to reactivate it.',
  FORBIDDEN: 'Your account may not do this.',
  LAST_ADMIN: 'This is the last active admin: make another account an admin first.',
  WRONG_PASSWORD: 'Your current password is not right.',
  FORBIDDEN_WHILE_IMPERSONATING:
    'Not while you act as this account: this needs its owner to sign in themselves. Stop acting as them first.',
};

/** The wait a rate-limited answer names (error.data.retryAfter, from its Retry-After header), in whole seconds. */
export function retryAfterOf(error: RosterError): number | null {
  const data: unknown = error.data;
  if (typeof data !== 'object' || data === null || !('retryAfter' in data)) return null;
  const value = (data as { retryAfter: unknown }).retryAfter;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : null;
}

/** "1 second", "42 seconds", "2 minutes". */
export function formatWait(seconds: number): string {
  if (seconds < 90) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** The message for a rate-limited answer, with the wait when the server named one. */
export function rateLimitMessage(seconds: number | null): string {
  return seconds === null
    ? 'Too many attempts. Wait a moment and try again.'
    : `Too many attempts. Try again in ${formatWait(seconds)}.`;
}

/** The field path of a validation issue as the console's inputs name it: `email`, `items.0.name`. */
export function fieldKey(path: readonly (string | number)[]): string {
  return path.map(String).join('.');
}

/** Any failure of an SDK call as a page shows it. */
export function toUiError(
  error: unknown,
  overrides: Partial<Record<string, string>> = {},
  now: number = Date.now(),
): UiError {
  if (!isRosterError(error)) {
    const message = error instanceof Error && error.message ? error.message : 'Something went wrong.';
    return { message, fields: {}, retryAfter: null, code: 'CLIENT_ERROR', status: 0, at: now };
  }
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = fieldKey(issue.path);
    fields[key] ??= issue.message;
  }
  const retryAfter = error.code === 'RATE_LIMITED' ? retryAfterOf(error) : null;
  const message =
    overrides[error.code] ??
    (error.code === 'RATE_LIMITED' ? rateLimitMessage(retryAfter) : undefined) ??
    MESSAGES[error.code] ??
    error.detail;
  return { message, fields, retryAfter, code: error.code, status: error.status, at: now };
}

/** True when the failure means the signed-in session is over (the SDK already tried to refresh it). */
export function isSessionEnded(error: unknown): boolean {
  return (
    isRosterError(error) &&
    error.status === 401 &&
    (error.code === 'INVALID_TOKEN' || error.code === 'NOT_AUTHENTICATED')
  );
}

/** Whole seconds left of an error's wait at `now` (0 when it has none or it is over), never more than it named. */
export function secondsLeft(error: UiError | null, now: number): number {
  if (!error?.retryAfter) return 0;
  const left = Math.ceil((error.at + error.retryAfter * 1000 - now) / 1000);
  return Math.min(error.retryAfter, Math.max(0, left));
}
