import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from './context.js';
import { AppError, toErrorResponse, type ErrorBody, type ErrorCode } from './errors.js';
import { bearerToken } from './services/tokens.js';
import { runUnitOfWork } from './unit-of-work.js';

/**
 * Procedure metadata: the REST mapping plus the success status REST answers with (200 when unset). A procedure
 * whose output is a union of two schemas answers the second one with `alternativeSuccess.status` (see
 * `successStatusOf`); the OpenAPI document then lists each schema under its own status.
 */
export type Meta = OpenApiMeta<{
  successStatus?: 200 | 201 | 202 | 204;
  /**
   * The domain errors the procedure can answer with (from error-tables/). Those that follow from how it is built
   * — authentication, the admin role, a rate limit, input validation, body parsing — are added by the OpenAPI
   * generator (openapi.ts `errorCodesOf`); so is its tag, the name of its router.
   */
  errors?: ErrorCode[];
  alternativeSuccess?: { status: 202; description: string };
}>;

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

/** Resolves the bearer token to the account as the database says it is now, and puts it on ctx. */
export const authedProcedure = publicProcedure.use(async function isAuthed({ ctx, next }) {
  const token = bearerToken(ctx.authorization);
  if (!token) throw new AppError('NOT_AUTHENTICATED');
  const { user, session } = await ctx.auth.authenticate(token);
  ctx.onAuthenticated(user);
  return next({ ctx: { user, session } });
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
