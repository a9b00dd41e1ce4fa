import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** The statuses Roster answers errors with, and the tRPC code each travels as over /trpc. */
export const TRPC_CODE_OF_STATUS = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  501: 'NOT_IMPLEMENTED',
  503: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<number, TRPC_ERROR_CODE_KEY>;

export type ErrorStatus = keyof typeof TRPC_CODE_OF_STATUS;

/**
 * One error a client can act on: its HTTP status and the message it is answered with (Better Auth's shape). A
 * thrower may word the message for its case (`new AppError(code, detail)`); the table's is the default and the
 * example the OpenAPI document shows.
 */
export interface ErrorEntry {
  status: ErrorStatus;
  message: string;
}

/** A domain's table: `CODE → {status, message}`, codes in UPPER_SNAKE. */
export function errorTable<const T extends Record<string, ErrorEntry>>(table: T): T {
  return table;
}
