import type { ApiDeps } from './context.js';
import { toUserOut } from './services/serialize.js';
import { bearerToken } from './services/tokens.js';

/** An answer read from memory: whose it is (for the request log) and the procedure's output as JSON. */
export interface HotAnswer {
  userId: number;
  json: string;
}

/** Answers a procedure from memory for this Authorization header, or undefined to run the procedure. */
export type HotRead = (authorization: string | null | undefined) => HotAnswer | undefined;

/**
 * Input-less authenticated queries answered from memory, by procedure path. The HTTP layer consults the table in
 * front of both surfaces that reach the procedure: its REST route (the route table) and every tRPC call of it,
 * alone or in a batch (apps/server's trpc-queries.ts, which runs every other query procedure without tRPC's
 * adapter).
 *
 * A read is answered only for a token this process already verified (no signature check) whose session and user
 * are live in the auth cache (no query) and whose `last_used_at` is not due to be written. Anything else (first
 * sight of a token, an API key or an impersonation token, a cache miss, an invalidated user or session, a session
 * to touch) returns undefined and the procedure runs: it verifies, answers or refuses, and fills the cache again.
 * Every change that matters invalidates the cache before its request answers, so a deactivated user or a revoked
 * session is refused on the very next request.
 */
export type HotReads = Readonly<Record<string, HotRead>>;

export function createHotReads(deps: Pick<ApiDeps, 'tokens' | 'authCache'>): HotReads {
  return {
    'auth.me': (authorization) => {
      const token = bearerToken(authorization);
      const claims = token ? deps.tokens.alreadyVerified(token) : undefined;
      // An impersonation token's answer names the admin, and its session is never cached: the procedure answers.
      if (!claims || claims.actorId !== undefined) return undefined;
      const found = deps.authCache.lookup(claims);
      if (found?.state !== 'live') return undefined;
      const { entry } = found;
      entry.meJson ??= JSON.stringify(toUserOut(entry.user));
      return { userId: entry.user.id, json: entry.meJson };
    },
  };
}
