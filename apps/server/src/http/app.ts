import { readFileSync } from 'node:fs';
import {
  AppError,
  createApiDeps,
  createContextInner,
  createHotReads,
  createOpenApiDocument,
  formRoutes,
  isUnexpected,
  toErrorResponse,
  type ApiDeps,
} from '@roster/api';
import type { Database } from '@roster/db';
import Koa, { type Middleware, type ParameterizedContext } from 'koa';
import { accountPages } from './account-pages.js';
import { apiSettings } from '../infra/api-settings.js';
import { bodyParser } from './body.js';
import type { Config } from '../infra/config.js';
import { consoleApp } from './console.js';
import { docs } from './docs.js';
import { loggableError } from './errors.js';
import { hotReads } from './hot-reads.js';
import { jwks } from './jwks.js';
import type { Logger } from '../infra/logger.js';
import { metricsEndpoint, type Metrics } from '../infra/metrics.js';
import { readiness } from './ready.js';
import { requestLog, type RosterState } from './request-log.js';
import { restBridge } from '../rest/bridge.js';
import { restTemplates } from './routes.js';
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
  return async function healthCheck(ctx, next) {
    if (ctx.path !== '/health' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.body = body;
  };
}

function openApiJson(config: Config): Middleware {
  let document: string | undefined;
  return async function serveOpenApi(ctx, next) {
    if (ctx.path !== '/openapi.json' || ctx.method !== 'GET') return next();
    document ??= JSON.stringify(
      createOpenApiDocument({ baseUrl: config.publicUrl ?? '/', version: VERSION }),
    );
    ctx.type = 'application/json';
    ctx.body = document;
  };
}

/** 405 with `Allow` for a known REST path asked with another method; 404 otherwise. */
function notFound(): Middleware {
  const routes = restTemplates();
  return function routeNotFound(ctx) {
    const allowed = routes.filter((r) => r.pattern.test(ctx.path)).map((r) => r.method);
    if (allowed.length > 0) {
      ctx.set('Allow', [...new Set(allowed)].join(', '));
      throw new AppError('METHOD_NOT_ALLOWED', 'Method not allowed');
    }
    throw new AppError('NOT_FOUND', 'Not found');
  };
}

/** The whole HTTP surface: health, docs, tRPC at /trpc and REST at the original spec's paths. */
export function createApp(
  { config, db, logger, metrics, draining = () => false }: AppOptions,
  deps: ApiDeps = createApiDeps(db.orm, apiSettings(config), { events: metrics.events }),
) {
  // Behind a proxy (TRUST_PROXY), ctx.ip and ctx.protocol come from X-Forwarded-For / X-Forwarded-Proto. Only the
  // last X-Forwarded-For entry is believed: the one our proxy appended (earlier ones are whatever the client sent).
  const app = new Koa<RosterState>({ proxy: config.trustProxy, maxIpsCount: 1 });
  const createContext = (ctx: ParameterizedContext<RosterState>) =>
    createContextInner({
      deps,
      authorization: ctx.get('authorization') || null,
      ifMatch: ctx.get('if-match') || null,
      ip: ctx.ip || null,
      userAgent: ctx.get('user-agent') || null,
      onAuthenticated: (user) => {
        ctx.state.scope.userId = user.id;
      },
    });

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
  app.use(hotReads(createHotReads(deps)));
  app.use(health());
  app.use(readiness({ db, logger, draining }));
  app.use(metricsEndpoint(metrics, config.metricsToken));
  app.use(openApiJson(config));
  app.use(jwks(() => deps.tokens.jwks()));
  app.use(docs());
  app.use(consoleApp());
  app.use(accountPages());
  app.use(
    trpcMount({
      createContext,
      onError: (error, ctx) => {
        if (isUnexpected(error)) app.emit('error', error, ctx);
      },
    }),
  );
  app.use(bodyParser(formRoutes()));
  app.use(restBridge({ createContext, onError: () => undefined }));
  app.use(notFound());
  return app;
}
