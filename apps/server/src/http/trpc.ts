import { appRouter, toErrorResponse, type Context } from '@roster/api';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { Middleware, ParameterizedContext } from 'koa';
import { MAX_BODY_BYTES } from './body.js';

export const TRPC_PREFIX = '/trpc';
export const MAX_BATCH_SIZE = 10;

export interface TrpcMountOptions {
  createContext: (ctx: ParameterizedContext) => Context;
  onError: (error: unknown, ctx: ParameterizedContext) => void;
}

/** tRPC over HTTP at /trpc (batches of at most ten calls). tRPC writes the response itself. */
export function trpcMount(opts: TrpcMountOptions): Middleware {
  return async function trpc(ctx, next) {
    if (ctx.path !== TRPC_PREFIX && !ctx.path.startsWith(`${TRPC_PREFIX}/`)) return next();
    ctx.respond = false;
    ctx.res.statusCode = 200; // Koa starts at 404; tRPC only sets the status when it differs from 200
    await nodeHTTPRequestHandler({
      router: appRouter,
      req: ctx.req,
      res: ctx.res,
      path: ctx.path.slice(TRPC_PREFIX.length + 1),
      maxBodySize: MAX_BODY_BYTES,
      allowBatching: true,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: () => opts.createContext(ctx),
      onError: ({ error }) => opts.onError(error, ctx),
      responseMeta: ({ errors, paths }) => {
        if (errors.length === 0) return {};
        if ((paths?.length ?? 0) > 1) {
          // A batch keeps tRPC's status (207 when mixed); a refused call in it still says when to retry.
          const waits = errors.map((e) => Number(toErrorResponse(e).headers['Retry-After'] ?? 0));
          const wait = Math.max(...waits);
          return wait > 0 ? { headers: { 'Retry-After': String(wait) } } : {};
        }
        const { status, headers } = toErrorResponse(errors[0]);
        return { status, headers };
      },
    });
  };
}
