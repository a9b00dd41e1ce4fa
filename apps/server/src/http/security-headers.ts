import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@koa/cors';
import helmet, { type HelmetOptions } from 'helmet';
import type { Middleware } from 'koa';
import { ACCOUNT_PAGE_PATHS } from './account-pages.js';
import { CONSOLE_PATH } from './console.js';

type Connect = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

const COMMON = {
  crossOriginResourcePolicy: { policy: 'same-site' },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
} satisfies HelmetOptions;

/** API responses (JSON) load nothing and are never framed. */
const API_CSP = { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] };

/**
 * The headers that only mean something for a document a browser renders (process isolation, DNS prefetching, IE's
 * download and XSS-filter behaviour, Flash/PDF cross-domain policies). A JSON answer keeps what OWASP's REST
 * guidance asks of an API — HSTS, nosniff, frame denial, no referrer, CORP and a CSP that loads nothing — and
 * leaves these off: on this machine their ~200 bytes were a measurable share of every small answer's cost.
 */
const DOCUMENT_ONLY = {
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} satisfies HelmetOptions;

/**
 * /docs: swagger-ui from our own origin. Its React components set inline `style` attributes and its icons are
 * data: URIs; no inline or eval'd script is needed. No upgrade-insecure-requests: Roster may be served over plain
 * HTTP on a private network.
 */
const DOCS_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * /console: the console's own built files only. Stricter than /docs: no inline style either (React sets styles
 * through the CSSOM, which CSP does not restrict), and it calls nothing but this origin's /trpc.
 */
const CONSOLE_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The headers a helmet middleware sets. They depend on its options only (no directive here is a function of the
 * request), so they are worked out once at start-up and copied onto each response.
 */
function headersOf(middleware: Connect): [string, string][] {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers.set(name, String(value));
    },
    removeHeader: (name: string) => {
      headers.delete(name);
    },
  };
  let done = false;
  middleware({} as IncomingMessage, res as unknown as ServerResponse, (error) => {
    if (error) throw error as Error;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously');
  return [...headers];
}

/**
 * helmet's headers on every response, tRPC's included: the API's set on JSON answers; every header and a page CSP
 * for /docs, the account pages and /console.
 */
export function securityHeaders(): Middleware {
  const api = headersOf(
    helmet({
      ...COMMON,
      ...DOCUMENT_ONLY,
      contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    }),
  );
  const docs = headersOf(
    helmet({ ...COMMON, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } }),
  );
  const consolePage = headersOf(
    helmet({ ...COMMON, contentSecurityPolicy: { useDefaults: false, directives: CONSOLE_CSP } }),
  );
  return function setSecurityHeaders(ctx, next) {
    const forDocs =
      ctx.path === '/docs' || ctx.path.startsWith('/docs/') || ACCOUNT_PAGE_PATHS.includes(ctx.path);
    const forConsole = ctx.path === CONSOLE_PATH || ctx.path.startsWith(`${CONSOLE_PATH}/`);
    const res = ctx.res;
    for (const [name, value] of forConsole ? consolePage : forDocs ? docs : api) res.setHeader(name, value);
    return next();
  };
}

/**
 * CORS for ALLOWED_ORIGINS. `*` allows any origin but never with credentials (browsers would refuse it, and it
 * would let any site act with a user's cookies); listed origins are echoed back with credentials allowed.
 */
export function corsFor(origins: string[]): Middleware {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      if (any) return '*';
      const origin = ctx.get('origin');
      return allowed.has(origin) ? origin : '';
    },
    credentials: !any,
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'If-Match'],
    exposeHeaders: ['X-Request-Id', 'WWW-Authenticate', 'Retry-After'],
    maxAge: 600,
  });
}
