import type { ApiDeps } from './context.js';
import { toUserOut } from './services/serialize.js';
import { bearerToken } from './services/tokens.js';

/** An answer the hot path can give: whose it is (for the request log) and the JSON body. */
export interface HotAnswer {
  userId: number;
  json: string;
}

/**
 * The reads that most requests are — "who am I" with a token seen moments ago — answered from memory: a token
 * this process already verified (no signature check) whose session and user are in the auth cache (no query) and
 * whose `last_used_at` is not due to be written. Anything else (first sight of a token, an API key or an
 * impersonation token, a cache miss, an invalidated user or session, a session to touch, any error) returns
 * undefined and goes through the procedure, which verifies, answers or refuses, and fills the cache again.
 * Because every change that matters invalidates the cache before its request answers, a deactivated user or
 * revoked session is refused on the very next request.
 */
export interface HotReads {
  /** `auth.me` / `GET /auth/me`. */
  me(authorization: string | null | undefined): HotAnswer | undefined;
}

export function createHotReads(deps: Pick<ApiDeps, 'tokens' | 'authCache'>): HotReads {
  return {
    me(authorization) {
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
