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

/** Labels by URL path (a request's procedures), the first 256 seen: the SDK asks the same few. */
function labeller(): (procedures: string) => string {
  const labels = new Map<string, string>();
  return (procedures) => {
    let label = labels.get(procedures);
    if (label === undefined) {
      label = labelOf(procedures.split(','));
      if (labels.size < 256) labels.set(procedures, label);
    }
    return label;
  };
}

/** tRPC over HTTP, mounted by the route table at /trpc (batches of at most ten calls). tRPC writes the response. */
export function trpcMount(opts: TrpcMountOptions): Middleware<RosterState> {
  const answerQueries = createQueryAnswerer({ ...opts, maxBatchSize: MAX_BATCH_SIZE });
  const label = labeller();
  const adapter = async (ctx: ParameterizedContext<RosterState>, path: string) => {
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
  return function trpc(ctx) {
    const path = ctx.path.slice(TRPC_PREFIX.length + 1);
    ctx.state.route = label(path);
    const answered = answerQueries(path, ctx);
    // Answered from memory: done now, without a promise of its own.
    if (answered === true) return undefined;
    if (answered === false) return adapter(ctx, path);
    return answered.then((done) => (done ? undefined : adapter(ctx, path)));
  };
}
