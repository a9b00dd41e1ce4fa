import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { ERROR_CODES, TRPC_CODE_OF_STATUS } from './error-tables/index.js';

export { ERROR_CODES };

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure the caller can act on: it reaches the client with its code and message, on both surfaces. */
export class AppError extends TRPCError {
  readonly appCode: ErrorCode;
  readonly status: number;
  readonly issues?: ValidationIssue[];
  /** Response headers that go with this error on both surfaces (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  /** What the body says besides detail and code (MFA_REQUIRED: the mfa_token and the methods). */
  readonly extra?: ErrorExtra;

  /** `detail` defaults to the message of the code's table (see error-tables/). */
  constructor(
    appCode: ErrorCode,
    detail: string = ERROR_CODES[appCode].message,
    extra: { headers?: Record<string, string>; issues?: ValidationIssue[]; body?: ErrorExtra } = {},
  ) {
    // name stays 'TRPCError': adapters recognise tRPC errors by name as well as by class.
    super({ code: TRPC_CODE_OF_STATUS[ERROR_CODES[appCode].status], message: detail });
    this.appCode = appCode;
    this.status = ERROR_CODES[appCode].status;
    this.headers = extra.headers ?? {};
    if (extra.issues) this.issues = extra.issues;
    if (extra.body) this.extra = extra.body;
  }
}

/** A 422 VALIDATION_ERROR about one field, for the rules a schema cannot state (they depend on the request). */
export function invalidField(field: string, message: string, code = 'custom'): AppError {
  return new AppError('VALIDATION_ERROR', undefined, { issues: [{ path: [field], message, code }] });
}

export interface ValidationIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

/** The second factors a login can be completed with (MFA_REQUIRED's `methods`), in the order they are listed. */
export const MFA_METHODS = ['totp', 'recovery_code', 'webauthn'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/** Fields only some errors carry. */
export interface ErrorExtra {
  /** MFA_REQUIRED: the single-use token that names the pending login (5 minutes). */
  mfa_token?: string;
  /** MFA_REQUIRED: the second factors this account can complete the login with. */
  methods?: MfaMethod[];
}

/** The body of every error response, REST and tRPC alike (tRPC carries it in `error.data`). */
export interface ErrorBody extends ErrorExtra {
  detail: string;
  code: ErrorCode;
  issues?: ValidationIssue[];
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const GENERIC: Record<string, { code: ErrorCode; detail: string }> = {
  PARSE_ERROR: { code: 'MALFORMED_REQUEST', detail: 'Malformed request body' },
  BAD_REQUEST: { code: 'MALFORMED_REQUEST', detail: 'Bad request' },
  NOT_FOUND: { code: 'NOT_FOUND', detail: 'Not found' },
  METHOD_NOT_SUPPORTED: { code: 'METHOD_NOT_ALLOWED', detail: 'Method not allowed' },
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Unsupported content type' },
  UNAUTHORIZED: { code: 'NOT_AUTHENTICATED', detail: 'Not authenticated' },
  FORBIDDEN: { code: 'FORBIDDEN', detail: 'Forbidden' },
  TOO_MANY_REQUESTS: { code: 'RATE_LIMITED', detail: 'Too many requests' },
};

function zodIssues(error: ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: issue.message,
    code: issue.code,
  }));
}

/** PostgreSQL SQLSTATEs that mean the connection, not the statement, failed. */
const PG_CONNECTION_STATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '53300', // too_many_connections
  '25P03', // idle_in_transaction_session_timeout
]);
/** Socket errors of a database connection (Node's error codes) and SQLite's "still locked after busy_timeout". */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'SQLITE_BUSY',
]);
/**
 * What knex and pg say when a connection cannot be had or died under a statement (they carry no code). knex's
 * "Transaction query already complete" is what a transaction whose connection died answers its next statement.
 */
const CONNECTION_MESSAGES =
  /Knex: Timeout acquiring a connection|Connection terminated|Connection ended unexpectedly|is not queryable|Transaction query already complete|(?:^| - )timeout expired$/;

/**
 * True for a database that cannot be reached or whose connection died (down, restarted, connections terminated,
 * pool exhausted): the caller should retry shortly. Looks at the driver's code (MikroORM's
 * DriverException copies it from pg's error), at a socket error's code, and at knex/pg's own messages.
 */
export function isDatabaseUnavailable(thrown: unknown): boolean {
  const error = thrown instanceof TRPCError && thrown.cause ? thrown.cause : thrown;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (PG_CONNECTION_STATES.has(code) || code.startsWith('08') || CONNECTION_ERRNOS.has(code)) return true;
  }
  if (error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e))) return true;
  return CONNECTION_MESSAGES.test(error.message);
}

const databaseUnavailable = (): ErrorResponse => ({
  status: 503,
  body: { detail: ERROR_CODES.DATABASE_UNAVAILABLE.message, code: 'DATABASE_UNAVAILABLE' },
  headers: { 'Retry-After': '1' },
});

/**
 * The one mapping from anything thrown to what the client sees. A database that cannot be reached becomes 503
 * DATABASE_UNAVAILABLE (with Retry-After); other unexpected errors a generic 500: no message, stack, SQL or
 * constraint name ever leaves the process.
 */
export function toErrorResponse(thrown: unknown): ErrorResponse {
  const error = thrown instanceof TRPCError && thrown.cause instanceof AppError ? thrown.cause : thrown;
  if (error instanceof AppError) {
    const headers: Record<string, string> = error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
    const body: ErrorBody = { detail: error.message, code: error.appCode, ...error.extra };
    if (error.issues) body.issues = error.issues;
    return { status: error.status, body, headers: { ...headers, ...error.headers } };
  }
  if (error instanceof TRPCError) {
    if (
      error.cause instanceof ZodError &&
      (error.code === 'BAD_REQUEST' || error.code === 'UNPROCESSABLE_CONTENT')
    ) {
      return {
        status: 422,
        body: { detail: 'Validation failed', code: 'VALIDATION_ERROR', issues: zodIssues(error.cause) },
        headers: {},
      };
    }
    const known = GENERIC[error.code];
    if (known) {
      const status = ERROR_CODES[known.code].status;
      const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {};
      return { status, body: { detail: known.detail, code: known.code }, headers };
    }
  }
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  return {
    status: 500,
    body: { detail: 'Internal server error', code: 'INTERNAL_SERVER_ERROR' },
    headers: {},
  };
}

/** True when the error is not the caller's fault and deserves a log line with its cause. */
export function isUnexpected(error: unknown): boolean {
  return toErrorResponse(error).status >= 500;
}
