import Router from '@koa/router';
import { restRoutes, type HotReads } from '@roster/api';
import type { Middleware } from 'koa';
import { ACCOUNT_PAGE_PATHS } from './account-pages.js';
import { bodyParser } from './body.js';
import { restHotRead } from './hot-reads.js';
import type { RosterState } from './request-log.js';
import { TRPC_PREFIX } from './trpc.js';

/** What answers each route; `createRoutes` says which request reaches which. */
export interface Endpoints {
  health: Middleware<RosterState>;
  ready: Middleware<RosterState>;
  metrics: Middleware<RosterState>;
  openApi: Middleware<RosterState>;
  jwks: Middleware<RosterState>;
  docs: Middleware<RosterState>;
  /** The console's page, its client-side routes and its assets (apps/console's build). */
  console: Middleware<RosterState>;
  accountPages: Middleware<RosterState>;
  /** tRPC at /trpc: every method (tRPC answers a wrong verb itself), single calls and batches. */
  trpc: Middleware<RosterState>;
  /** The REST bridge: the procedure behind the matched template, through trpc-to-openapi. */
  rest: Middleware<RosterState>;
  /** Reads answered from memory when they can be (see `createHotReads`). */
  hotReads: HotReads;
}

/** `/users/{id}` (OpenAPI) → `/users/:id` (path-to-regexp). */
const koaPath = (template: string) => template.replace(/\{(\w+)\}/g, ':$1');

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The whole route table. Each route is named by its template, which the request log and the metrics read
 * (`routeOf`). `allowedMethods()` (mounted by the app) answers 405 with `Allow` for a known path asked with
 * another method, and 501 for a method no route implements. Paths are case-sensitive; a trailing slash is allowed.
 */
export function createRoutes(endpoints: Endpoints): Router<RosterState> {
  const router = new Router<RosterState>({ sensitive: true });
  router.get('/health', '/health', endpoints.health);
  router.get('/health/ready', '/health/ready', endpoints.ready);
  router.get('/metrics', '/metrics', endpoints.metrics);
  router.get('/openapi.json', '/openapi.json', endpoints.openApi);
  router.get('/.well-known/jwks.json', '/.well-known/jwks.json', endpoints.jwks);
  router.get('/docs', '/docs', endpoints.docs);
  router.get('/docs', '/docs/*asset', endpoints.docs);
  router.get('/console', '/console', endpoints.console);
  router.get('/console', '/console/*path', endpoints.console);
  for (const path of ACCOUNT_PAGE_PATHS) router.get(path, path, endpoints.accountPages);
  router.all('trpc', TRPC_PREFIX, endpoints.trpc);
  router.all('trpc', `${TRPC_PREFIX}/*procedures`, endpoints.trpc);

  // Literal segments before parameters: `/users/me` is tried before `/users/{id}`.
  const rest = restRoutes().sort((a, b) => paramCount(a.path) - paramCount(b.path));
  for (const route of rest) {
    const stack: Middleware<RosterState>[] = [];
    if (route.method === 'GET' && endpoints.hotReads.serves(route.procedure)) {
      stack.push(restHotRead(endpoints.hotReads, route.procedure));
    }
    if (BODY_METHODS.has(route.method)) stack.push(bodyParser({ form: route.form }));
    stack.push(endpoints.rest);
    router.register(koaPath(route.path), [route.method], stack, { name: route.path });
  }
  return router;
}

const paramCount = (template: string) => (template.match(/\{/g) ?? []).length;
