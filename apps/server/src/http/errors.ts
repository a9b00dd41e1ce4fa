import { TRPCError } from '@trpc/server';
import { DriverException } from '@mikro-orm/core';

export interface LoggableError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

/**
 * What an unexpected error may put in the log. Database errors carry the statement with its parameters inlined
 * (emails, password hashes), so only their class and the driver's own reason are kept.
 */
export function loggableError(error: unknown): LoggableError {
  const cause = error instanceof TRPCError && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof DriverException) {
    const reason = cause.message.includes(' - ')
      ? cause.message.slice(cause.message.lastIndexOf(' - ') + 3)
      : '';
    return { type: cause.name, message: reason.slice(0, 300), ...(cause.code ? { code: cause.code } : {}) };
  }
  if (cause instanceof Error) {
    return { type: cause.name, message: cause.message, ...(cause.stack ? { stack: cause.stack } : {}) };
  }
  return { type: typeof cause, message: 'non-error thrown' };
}
