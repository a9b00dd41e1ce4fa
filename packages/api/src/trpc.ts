import { initTRPC } from '@trpc/server';
import { middlewareMarker } from '@trpc/server/unstable-core-do-not-import';
import type { ApiKey, Session, User } from '@roster/db';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { admitApiKey, admitImpersonation, limitKey, type AccessMeta, type Impersonator } from './access.js';
import type { Context } from './context.js';
import { AppError, toErrorResponse, type ErrorBody, type ErrorCode } from './errors.js';
import { inputKey, type ReadCacheMeta } from './read-cache.js';
import { isApiKey } from './services/api-keys.js';
import { bearerToken } from './services/tokens.js';
import { runUnitOfWork } from './unit-of-work.js';

/**
 * Procedure metadata: the REST mapping plus the success status REST answers with (200 when unset). A procedure
 * whose output is a union of two schemas answers the second one with `alternativeSuccess.status` (see
 * `successStatusOf`); the OpenAPI document then lists each schema under its own status.
 */
export type Meta = OpenApiMeta<
  AccessMeta &
    ReadCacheMeta & {
      successStatus?: 200 | 201 | 202 | 204;
      /**
       * The domain errors the procedure can answer with (from error-tables/). Those that follow from how it is built
       * — authentication, the admin role, a rate limit, input validation, body parsing — are added by the OpenAPI
       * generator (openapi-errors.ts `errorCodesOf`); so is its tag, the name of its router.
       */
      errors?: ErrorCode[];
      alternativeSuccess?: { status: 202; description: string };
    }
>;

export interface ErrorData extends ErrorBody {
  httpStatus: number;
  path?: string;
  /** Seconds to wait before calling again (RATE_LIMITED), as the Retry-After header says. */
  retryAfter?: number;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error, path }): { message: string; code: number; data: ErrorData } {
      const { status, body, headers } = toErrorResponse(error);
      const retryAfter = headers['Retry-After'];
      return {
        message: body.detail,
        code: shape.code,
        data: {
          ...body,
          httpStatus: status,
          ...(path ? { path } : {}),
          ...(retryAfter ? { retryAfter: Number(retryAfter) } : {}),
        },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * Every call is its own unit of work, whether it arrives alone, in a batch, over REST or from a script: its own
 * EntityManager fork and services (`ctx.users`, `ctx.auth`, …), its own transactions and its own pending
 * invalidations, announced once its work is committed (see `runUnitOfWork`).
 */
export const publicProcedure = t.procedure.use(function unitOfWork({ ctx, next }) {
  return runUnitOfWork(ctx, (services) => next({ ctx: services }));
});

/** Who is calling, once `authedProcedure` has checked the credential. */
export interface Caller {
  /** The account, as the database (or the auth cache that every change clears) says it is now. */
  user: User;
  /** The session of an access token; null for an API key. */
  session: Session | null;
  /** The key of a call made with an API key (`Authorization: Bearer rst_…`). */
  apiKey: ApiKey | null;
  /** The admin acting as `user`, under an impersonation token. */
  impersonator: Impersonator | null;
}

/** The session of a caller that logged in (procedures without a scope never see an API key). */
export function sessionOf(caller: Pick<Caller, 'session'>): Session {
  if (!caller.session) throw new AppError('FORBIDDEN_FOR_API_KEY');
  return caller.session;
}

/**
 * Resolves the bearer credential to the account as the database says it is now, and puts it on ctx. An API key
 * may call only procedures whose meta names a scope it holds, within its rate limit; an impersonation token only
 * those an owner's profile work needs (access.ts), and each of its writes is audited with the admin, the account
 * and the reason, in the transaction of the write when the procedure opens one.
 */
const authenticated = publicProcedure.use(async function isAuthed({ ctx, meta, path, type, next }) {
  const token = bearerToken(ctx.authorization);
  if (!token) throw new AppError('NOT_AUTHENTICATED');
  if (isApiKey(token)) {
    await limitKey(ctx.deps, token, path);
    const { user, key } = await ctx.apiKeys.authenticate(token);
    admitApiKey(meta, key);
    ctx.onAuthenticated(user);
    const caller: Caller = { user, session: null, apiKey: key, impersonator: null };
    return next({ ctx: caller });
  }
  const { user, session, impersonator: admin } = await ctx.auth.authenticate(token);
  ctx.onAuthenticated(user);
  if (!admin) return next({ ctx: { user, session, apiKey: null, impersonator: null } satisfies Caller });
  admitImpersonation(meta);
  const impersonator = { id: admin.id, email: admin.email, reason: session.impersonationReason ?? '' };
  ctx.audit.impersonatedBy({ impersonatorId: admin.id, reason: impersonator.reason });
  const caller: Caller = { user, session, apiKey: null, impersonator };
  if (type !== 'mutation') return next({ ctx: caller });
  ctx.audit.record('impersonation.write', {
    actorId: admin.id,
    targetId: user.id,
    details: { procedure: path, session_id: session.id },
  });
  const result = await next({ ctx: caller });
  // Written by the procedure's own flush when it made one; a procedure that wrote without one gets it now.
  if (result.ok) await ctx.em.flush();
  return result;
});

/**
 * A query whose meta says `readCache` is answered from the read cache (read-cache.ts) when it can be, after the
 * caller was authenticated and admitted as on every call; otherwise it runs, and its validated output is stored
 * for the next call of the same caller and input. Calls that miss while the same call is running wait for it and
 * then look again (flights.ts). An impersonation token's calls always run: their answers may name the admin
 * (`auth.me`), and their sessions are never cached. The HTTP layer answers the same entries in front of the
 * procedure when the caller's token and session are already known (hot-reads.ts).
 */
export const authedProcedure = authenticated.use(async function readCache({
  ctx,
  meta,
  path,
  type,
  next,
  getRawInput,
}) {
  if (!meta?.readCache || type !== 'query' || ctx.impersonator) return next();
  const key = ctx.deps.reads.key(path, ctx.user, ctx.readInput ?? inputKey(await getRawInput()));
  if (key === undefined) return next();
  const answer = await ctx.deps.reads.resolve(key, () => next());
  if ('result' in answer) return answer.result;
  // The shape of a middleware's successful result, as `next()` answers it.
  return { ok: true as const, data: answer.hit.data, marker: middlewareMarker } as Awaited<
    ReturnType<typeof next>
  >;
});

/**
 * Admins only. With REQUIRE_MFA_FOR_ADMINS an admin without a second factor is refused here (403
 * MFA_ENROLLMENT_REQUIRED); enrolling one is not an admin route, so it stays open to them.
 */
export const adminProcedure = authedProcedure.use(async function isAdmin({ ctx, next }) {
  if (ctx.user.role !== 'admin') throw new AppError('FORBIDDEN', 'Admin privileges required');
  if (ctx.deps.settings.mfa?.requireForAdmins && !(await ctx.mfa.hasFactor(ctx.user.id))) {
    throw new AppError('MFA_ENROLLMENT_REQUIRED');
  }
  return next({ ctx: { user: ctx.user, session: ctx.session } });
});
