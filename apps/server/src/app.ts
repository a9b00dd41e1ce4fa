import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cors from '@koa/cors';
import { RequestContext } from '@mikro-orm/core';
import {
  AppError,
  createApiDeps,
  createContextInner,
  createOpenApiDocument,
  formRoutes,
  restRoutes,
  isUnexpected,
  toErrorResponse,
  type ApiDeps,
  type ApiSettings,
} from '@roster/api';
import type { Database } from '@roster/db';
import Koa, { type Middleware, type ParameterizedContext } from 'koa';
import { bodyParser } from './body.js';
import type { Config } from './config.js';
import { docs } from './docs.js';
import { loggableError } from './errors.js';
import type { Logger } from './logger.js';
import { restBridge } from './rest.js';
import { trpcMount } from './trpc.js';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface AppOptions {
  config: Config;
  db: Database;
  logger: Logger;
}

export interface RosterState {
  requestId: string;
}

export function apiSettings(config: Config): ApiSettings {
  return {
    jwt: {
      secret: config.secretKey,
      accessTokenTtlSeconds: config.accessTokenExpireMinutes * 60,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
    },
    argon2: config.argon2,
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id in, request id out, and one log line per request. */
function requestLog(logger: Logger): Middleware<RosterState> {
  return async function logRequest(ctx, next) {
    const started = process.hrtime.bigint();
    const given = ctx.get('x-request-id');
    ctx.state.requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    try {
      await next();
    } finally {
      const log = () => {
        const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
        logger.info(
          {
            reqId: ctx.state.requestId,
            method: ctx.method,
            path: ctx.path,
            status,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      };
      if (ctx.respond === false && !ctx.res.writableFinished) ctx.res.once('finish', log);
      else log();
    }
  };
}

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

function corsFor(origins: string[]): Middleware {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('origin');
      if (any) return '*';
      return allowed.has(origin) ? origin : '';
    },
    credentials: !any,
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'If-Match'],
    exposeHeaders: ['X-Request-Id', 'WWW-Authenticate', 'Retry-After'],
    maxAge: 600,
  });
}

/** 405 with `Allow` for a known REST path asked with another method; 404 otherwise. */
function notFound(): Middleware {
  const routes = restRoutes().map(({ method, path }) => ({
    method,
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
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
  { config, db, logger }: AppOptions,
  deps: ApiDeps = createApiDeps(db.orm, apiSettings(config)),
) {
  const app = new Koa<RosterState>({ proxy: false });
  const createContext = (ctx: ParameterizedContext) =>
    createContextInner({
      deps,
      em: RequestContext.getEntityManager() ?? db.orm.em.fork(),
      authorization: ctx.get('authorization') || null,
      ifMatch: ctx.get('if-match') || null,
      ip: ctx.ip || null,
      userAgent: ctx.get('user-agent') || null,
    });

  app.on('error', (error: unknown, ctx?: ParameterizedContext<RosterState>) => {
    logger.error(
      { err: loggableError(error), reqId: ctx?.state.requestId, path: ctx?.path },
      'unexpected error',
    );
  });

  app.use(requestLog(logger));
  app.use(errorResponder());
  app.use(corsFor(config.allowedOrigins));
  app.use((_ctx, next) => RequestContext.create(db.orm.em, next));
  app.use(health());
  app.use(openApiJson(config));
  app.use(docs());
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
