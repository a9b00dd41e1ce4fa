import { appRouter, toErrorResponse, type Context, type HotReads } from '@roster/api';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { Middleware, ParameterizedContext } from 'koa';
import { MAX_BODY_BYTES } from './body.js';
import { createQueryAnswerer } from './trpc-queries.js';
import type { RosterState } from './request-log.js';

export const TRPC_PREFIX = '/trpc';
export const MAX_BATCH_SIZE = 10;

export interface TrpcMountOptions {
  createContext: (ctx: ParameterizedContext<RosterState>) => Context;
  onError: (error: unknown, ctx: ParameterizedContext<RosterState>) => void;
  hotReads: HotReads;
}

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/** The request log's name for a tRPC request: `trpc:users.byId`, `trpc:batch`, or `trpc:unknown`. */
function labelOf(names: string[]): string {
  if (!names.every((name) => PROCEDURES.has(name))) return 'trpc:unknown';
  return names.length > 1 ? 'trpc:batch' : `trpc:${names[0]}`;
}

/** tRPC over HTTP, mounted by the route table at /trpc (batches of at most ten calls). tRPC writes the response. */
export function trpcMount(opts: TrpcMountOptions): Middleware<RosterState> {
  const answerQueries = createQueryAnswerer({ ...opts, maxBatchSize: MAX_BATCH_SIZE });
  return async function trpc(ctx) {
    const path = ctx.path.slice(TRPC_PREFIX.length + 1);
    ctx.state.route = labelOf(path.split(','));
    if (await answerQueries(path, ctx)) return;
    ctx.respond = false;
    ctx.res.statusCode = 200; // Koa starts at 404; tRPC only sets the status when it differs from 200
    await nodeHTTPRequestHandler({
      router: appRouter,
      req: ctx.req,
      res: ctx.res,
      path,
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
