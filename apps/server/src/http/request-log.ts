import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { requestScope, type Logger, type RequestScope } from '../infra/logger.js';
import type { RequestObservation } from '../infra/metrics.js';
import { routeResolver } from './routes.js';

export interface RosterState {
  requestId: string;
  /** What every log line of the request carries; `userId` once a procedure has verified the caller's token. */
  scope: RequestScope;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Request id in (when well-formed) or generated, and out; every log line written while serving the request carries
 * it (see `requestScope`). One `request` line per request, with the route template rather than the raw path.
 */
export function requestLog(
  logger: Logger,
  observe: (observation: RequestObservation) => void = () => undefined,
): Middleware<RosterState> {
  const routeOf = routeResolver();
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
        const route = routeOf(ctx.method, ctx.path);
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
