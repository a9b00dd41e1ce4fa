import { readFileSync } from 'node:fs';
import {
  AppError,
  createContextInner,
  createHotReads,
  createOpenApiDocument,
  isUnexpected,
  restInputKey,
  toErrorResponse,
  type ApiDeps,
} from '@roster/api';
import type { Database } from '@roster/db';
import Koa, { type Middleware, type ParameterizedContext } from 'koa';
import { accountPages } from './account-pages.js';
import type { Config } from '../infra/config.js';
import { consoleApp } from './console.js';
import { docs } from './docs.js';
import { loggableError } from './errors.js';
import { jwks } from './jwks.js';
import type { Logger } from '../infra/logger.js';
import { metricsEndpoint, type Metrics } from '../infra/metrics.js';
import { readiness } from './ready.js';
import { requestLog, type RosterState } from './request-log.js';
import { restBridge } from '../rest/bridge.js';
import { createRoutes } from './routes.js';
import { corsFor, securityHeaders } from './security-headers.js';
import { trpcMount } from './trpc.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface AppOptions {
  config: Config;
  db: Database;
  logger: Logger;
  /** Request, event and query metrics served at /metrics. */
  metrics: Metrics;
  /** True once shutdown has begun (readiness answers 503). */
  draining?: () => boolean;
}

export type { RosterState };

/** The one place where errors become responses. Unexpected ones are reported to `app.on('error')`. */
function errorResponder(): Middleware<RosterState> {
  return async function respondToErrors(ctx, next) {
    try {
      await next();
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error);
      ctx.status = status;
      ctx.set(headers);
      // Refused before its body was read (413, say): the rest of that body would poison the next request on this
      // keep-alive connection, so the connection ends with this answer.
      if (!ctx.req.complete) ctx.set('Connection', 'close');
      ctx.body = body;
      if (status >= 500) ctx.app.emit('error', error, ctx);
    }
  };
}

function health(): Middleware {
  const body = { status: 'healthy', version: VERSION };
  return async function healthCheck(ctx) {
    ctx.body = body;
  };
}

function openApiJson(config: Config): Middleware {
  let document: string | undefined;
  return async function serveOpenApi(ctx) {
    document ??= JSON.stringify(
      createOpenApiDocument({ baseUrl: config.publicUrl ?? '/', version: VERSION }),
    );
    ctx.type = 'application/json';
    ctx.body = document;
  };
}

/** `Allow` lists methods in this order; HEAD goes without saying beside GET. */
const ALLOW_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * What the route table left unanswered, as error bodies: 404 for an unknown path; 405 for a known path asked
 * with another method (`allowedMethods()` has set `Allow`); 501 for a
 * method no route implements.
 */
function unrouted(): Middleware<RosterState> {
  return async function shapeUnrouted(ctx, next) {
    await next();
    if (ctx.respond === false || ctx.body != null) return;
    if (ctx.status === 405) {
      const allow = new Set(ctx.response.get('Allow').split(', '));
      ctx.set('Allow', ALLOW_ORDER.filter((m) => allow.has(m)).join(', '));
      throw new AppError('METHOD_NOT_ALLOWED');
    }
    if (ctx.status === 501) throw new AppError('NOT_IMPLEMENTED');
    if (ctx.status === 404) throw new AppError('NOT_FOUND');
  };
}

/**
 * The whole HTTP surface: a short chain (request log, security headers, the one error responder, CORS) in front
 * of the route table (`routes.ts`): health, readiness, metrics, OpenAPI, JWKS, docs, the console, account pages, tRPC at
 * /trpc and REST at the original spec's paths.
 */
export function createApp(
  { config, db, logger, metrics, draining = () => false }: AppOptions,
  deps: ApiDeps,
) {
  // Behind a proxy (TRUST_PROXY), ctx.ip and ctx.protocol come from X-Forwarded-For / X-Forwarded-Proto. Only the
  // last X-Forwarded-For entry is believed: the one our proxy appended (earlier ones are whatever the client sent).
  const app = new Koa<RosterState>({ proxy: config.trustProxy, maxIpsCount: 1 });
  const createContext = (ctx: ParameterizedContext<RosterState>, readInput?: string) =>
    createContextInner({
      deps,
      authorization: ctx.get('authorization') || null,
      ifMatch: ctx.get('if-match') || null,
      ip: ctx.ip || null,
      userAgent: ctx.get('user-agent') || null,
      onAuthenticated: (user) => {
        ctx.state.scope.userId = user.id;
      },
      readInput,
    });

  const hotReads = createHotReads(deps);

  app.on('error', (error: unknown, ctx?: ParameterizedContext<RosterState>) => {
    logger.error(
      { err: loggableError(error), reqId: ctx?.state.requestId, path: ctx?.path },
      'unexpected error',
    );
  });

  app.use(requestLog(logger, (observation) => metrics.observeRequest(observation)));
  app.use(securityHeaders());
  app.use(errorResponder());
  app.use(corsFor(config.allowedOrigins));
  const routes = createRoutes({
    health: health(),
    ready: readiness({ db, logger, draining }),
    metrics: metricsEndpoint(metrics, config.metricsToken),
    openApi: openApiJson(config),
    jwks: jwks(() => deps.tokens.jwks()),
    docs: docs(),
    console: consoleApp(),
    accountPages: accountPages(),
    trpc: trpcMount({
      createContext,
      onError: (error, ctx) => {
        if (isUnexpected(error)) app.emit('error', error, ctx);
      },
      hotReads,
    }),
    // A REST call's input is named by its URL in the read cache, as its hot read looks it up (hot-reads.ts).
    rest: restBridge({
      createContext: (ctx) => createContext(ctx, restInputKey(ctx.url)),
      onError: () => undefined,
    }),
    hotReads,
  });
  app.use(unrouted());
  app.use(routes.allowedMethods());
  app.use(routes.routes());
  return app;
}
