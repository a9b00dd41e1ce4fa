import { TRPCClientError } from '@trpc/client';
import type { AppRouter, ErrorCode } from './router.js';

/**
 * Roster's codes (the API package's, copied into the published types by the build) and the SDK's own: ABORTED
 * (the call's AbortSignal fired), NETWORK_ERROR (no answer came), UNKNOWN_ERROR (an answer without a Roster code).
 */
export type RosterErrorCode = ErrorCode | 'ABORTED' | 'NETWORK_ERROR' | 'UNKNOWN_ERROR';

export interface RosterErrorIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

interface ErrorDataLike {
  code?: unknown;
  detail?: unknown;
  httpStatus?: unknown;
  issues?: unknown;
  mfa_token?: unknown;
  methods?: unknown;
}

/** True when `error` or one of its causes is an AbortError. */
function aborted(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth += 1) {
    if (e.name === 'AbortError') return true;
  }
  return false;
}

/**
 * Every failure a Roster call rejects with: `code` is Roster's machine-readable code (USER_ALREADY_EXISTS,
 * INVALID_CREDENTIALS, VALIDATION_ERROR, …, or ABORTED / NETWORK_ERROR), `status` the HTTP status (0 when no
 * answer came).
 */
export class RosterError extends TRPCClientError<AppRouter> {
  readonly code: RosterErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly issues: RosterErrorIssue[];
  /** MFA_REQUIRED: the token that completes the login (`mfa.verify`); `login()` answers it instead of throwing. */
  readonly mfaToken?: string;
  /** MFA_REQUIRED: the second factors the account can complete the login with. */
  readonly methods?: ('totp' | 'recovery_code' | 'webauthn')[];

  constructor(from: TRPCClientError<AppRouter>) {
    super(from.message, {
      cause: from,
      result: from.shape ? { error: from.shape } : undefined,
      meta: from.meta,
    });
    const data = (from.data ?? {}) as ErrorDataLike;
    const answered = typeof data.httpStatus === 'number';
    this.code =
      typeof data.code === 'string'
        ? (data.code as ErrorCode)
        : answered
          ? 'UNKNOWN_ERROR'
          : aborted(from)
            ? 'ABORTED'
            : 'NETWORK_ERROR';
    this.status = answered ? (data.httpStatus as number) : 0;
    this.detail = typeof data.detail === 'string' ? data.detail : from.message;
    this.issues = Array.isArray(data.issues) ? (data.issues as RosterErrorIssue[]) : [];
    if (typeof data.mfa_token === 'string') this.mfaToken = data.mfa_token;
    if (Array.isArray(data.methods)) this.methods = data.methods as NonNullable<RosterError['methods']>;
    // TRPCClientError's constructor resets the prototype to its own; restore ours so instanceof works.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'RosterError';
  }
}

export function isRosterError(error: unknown): error is RosterError {
  return error instanceof RosterError;
}
