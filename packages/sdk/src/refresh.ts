import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { AppRouter } from './router.js';

/** Calls whose 401 is an answer, not an expired access token. */
const NO_RETRY = new Set(['auth.login', 'auth.register', 'auth.refresh', 'auth.logout']);
/** What an access token that expired or ended (or is missing) answers with. */
const RETRY_CODES = new Set(['INVALID_TOKEN', 'NOT_AUTHENTICATED']);

function isExpiredAccess(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const data = error.data as { httpStatus?: number; code?: string } | undefined;
  return data?.httpStatus === 401 && RETRY_CODES.has(data.code ?? '');
}

/**
 * On a 401 that means "this access token is no longer good", waits for one refresh (shared by every call that
 * failed meanwhile) and retries the call once with the new token. A failed refresh passes the 401 on.
 */
export function retryAfterRefresh(refresh: () => Promise<boolean>): TRPCLink<AppRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        let current: Unsubscribable | null = null;
        let closed = false;
        const forward = (retry: boolean) => {
          current = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              if (!retry || NO_RETRY.has(op.path) || !isExpiredAccess(error)) {
                observer.error(error);
                return;
              }
              refresh().then(
                (renewed) => {
                  if (closed) return;
                  if (renewed) forward(false);
                  else observer.error(error);
                },
                () => observer.error(error),
              );
            },
          });
        };
        forward(true);
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      });
}
