import type { AnyProcedure } from '@trpc/server';
import type { ApiDeps } from './context.js';
import type { Meta } from './trpc.js';
import { appRouter } from './root.js';
import { bearerToken } from './services/tokens.js';

/**
 * An answer read from memory: whose it is (for the request log) and the procedure's output as JSON, as REST sends
 * it or (form `trpc`) in tRPC's result envelope.
 */
export interface HotAnswer {
  userId: number;
  json: string;
}

/**
 * Authenticated reads answered from memory in front of their procedures: the one general path for every query
 * whose meta says `readCache` (`auth.me`, `users.byId`, `users.list`, …), on every surface. The HTTP layer asks it
 * first — the route table in front of each such REST route, and `trpc-queries.ts` for each tRPC call, alone or in
 * a batch — and runs the procedure when it has no answer.
 */
export interface HotReads {
  /** Whether `path` names a read this can answer (a query whose meta says `readCache`). */
  serves(path: string): boolean;
  /**
   * The read cache's answer for this call — procedure `path`, the caller behind the Authorization header, the
   * input named as the procedure's read-cache middleware names it (`inputKey` for tRPC, `restInputKey` for REST)
   * — or undefined to run the procedure.
   */
  answer(
    path: string,
    authorization: string | null | undefined,
    input: string,
    form?: 'rest' | 'trpc',
  ): HotAnswer | undefined;
}

/** The queries whose answers the read cache keeps, by path. */
function readCachePaths(): Set<string> {
  const procedures = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
  return new Set(
    Object.entries(procedures)
      .filter(([, p]) => p._def.type === 'query' && (p._def.meta as Meta | undefined)?.readCache === true)
      .map(([path]) => path),
  );
}

/**
 * A call is answered only for a token this process already verified (no signature check) whose session and user
 * are live in the auth cache (no query) and whose `last_used_at` is not due to be written, with the answer the
 * procedure stored for the same caller (id and role) and input while nothing has been invalidated since. That is
 * what the auth middleware and the read cache would conclude for the call; anything else — first sight of a
 * token, an API key (its rate limit and scopes are the middleware's) or an impersonation token, a miss, an
 * invalidated user or session, a session to touch — returns undefined, and the procedure runs: it verifies,
 * answers or refuses, and fills the caches again. Every change that matters invalidates both before its request
 * answers, so a deactivated user or a revoked session is refused on the very next request.
 */
export function createHotReads(
  deps: Pick<ApiDeps, 'tokens' | 'authCache' | 'reads'>,
  paths: ReadonlySet<string> = readCachePaths(),
): HotReads {
  return {
    serves: (path) => paths.has(path),
    answer(path, authorization, input, form = 'rest') {
      if (!paths.has(path)) return undefined;
      const token = bearerToken(authorization);
      const claims = token ? deps.tokens.alreadyVerified(token) : undefined;
      if (!claims || claims.actorId !== undefined) return undefined;
      const found = deps.authCache.lookup(claims);
      if (found?.state !== 'live') return undefined;
      const { user } = found.entry;
      const key = deps.reads.key(path, user, input);
      const json = key === undefined ? undefined : deps.reads.json(key, form);
      return json === undefined ? undefined : { userId: user.id, json };
    },
  };
}
