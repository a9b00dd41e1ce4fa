import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { requestScope, type Logger, type RequestScope } from '../infra/logger.js';
import type { RequestObservation } from '../infra/metrics.js';

export interface RosterState {
  requestId: string;
  /** What every log line of the request carries; `userId` once a procedure has verified the caller's token. */
  scope: RequestScope;
  /** The request log's route, when the handler knows better than the route table (the tRPC procedure). */
  route?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id in (when well-formed) or generated, and out; every log line written while serving the request carries
 * it (see `requestScope`). One `request` line per request, with the route's template (from the route table) rather than
 * the raw path.
 */
export function requestLog(
  logger: Logger,
  observe: (observation: RequestObservation) => void = () => undefined,
): Middleware<RosterState> {
  // The request line is built here from fields that hold no secret (method, route template, status, duration,
  // address, ids): it skips the redaction pass, which cost more than writing the line.
  const lines = logger.child({}, { redact: { paths: [] } });
  return async function logRequest(ctx, next) {
    const started = process.hrtime.bigint();
    const given = ctx.get('x-request-id');
    const scope: RequestScope = { reqId: REQUEST_ID.test(given) ? given : randomUUID() };
    ctx.state.requestId = scope.reqId;
    ctx.state.scope = scope;
    ctx.set('X-Request-Id', scope.reqId);
    try {
      await requestScope.run(scope, next);
    } finally {
      const finish = () => {
        const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const route = routeOf(ctx);
        requestScope.run(scope, () =>
          lines.info(
            { method: ctx.method, route, status, durationMs: seconds * 1000, ip: ctx.ip },
            'request',
          ),
        );
        observe({ method: ctx.method, route, status, seconds });
      };
      // tRPC writes its own response: its status is known once the response is done (or the client gone).
      if (ctx.respond === false && !ctx.res.writableFinished) ctx.res.once('close', finish);
      else finish();
    }
  };
}

/** The label for requests that match no route: raw paths would give metrics unbounded cardinality. */
export const UNMATCHED = 'unmatched';

interface RoutedContext {
  state: RosterState;
  _matchedRouteName?: string;
  matched?: { name: string | null }[];
}

/**
 * What a request is, for logs and metrics: the tRPC procedure (`trpc:users.byId`, `trpc:batch`, as the tRPC
 * mount says), else the name of the route that answered, else of one that matched the path (a 405), else
 * `unmatched`.
 */
export function routeOf(ctx: RoutedContext): string {
  return (
    ctx.state.route ?? ctx._matchedRouteName ?? ctx.matched?.find((layer) => layer.name)?.name ?? UNMATCHED
  );
}
