import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware, ParameterizedContext } from 'koa';

/** Where the console is served: the page, its client-side routes and its assets. */
export const CONSOLE_PATH = '/console';

/**
 * Where the built console is looked for, first match wins: the workspace's `apps/console/dist` (next to this
 * package, as `npm start` builds it), then a `console` folder beside the server's `dist` (a deployed copy, as the
 * Docker image has it). Resolved on each request, so a console built after start-up is served without a restart.
 */
export const DEFAULT_CONSOLE_ROOTS: readonly string[] = [
  fileURLToPath(new URL('../../../console/dist/', import.meta.url)),
  fileURLToPath(new URL('../../console/', import.meta.url)),
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite names every built asset after its content hash: a new build gets new names, so these never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page itself is checked on every load, so a new build is picked up at once (with an ETag: 304 when unchanged). */
const REVALIDATE = 'no-cache';

/** A path segment that names a file: no traversal, no hidden files, no separators or encodings. */
const SAFE_SEGMENT = /^[\w-][\w.-]*$/;

export interface ConsoleOptions {
  /** Folders to serve the console from, first one holding an index.html wins (default: DEFAULT_CONSOLE_ROOTS). */
  roots?: readonly string[];
}

/** The first root that holds a built console, or null. */
function builtRoot(roots: readonly string[]): string | null {
  return roots.find((root) => existsSync(join(root, 'index.html'))) ?? null;
}

/** The file a path under /console/ names, when it names one that exists; null otherwise. */
async function fileOf(root: string, segments: string[]): Promise<string | null> {
  if (segments.length === 0 || !segments.every((s) => SAFE_SEGMENT.test(s))) return null;
  const path = join(root, ...segments);
  try {
    return (await stat(path)).isFile() ? path : null;
  } catch {
    return null;
  }
}

function notBuilt(ctx: ParameterizedContext) {
  ctx.status = 503;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Retry-After', '30');
  ctx.body = {
    detail:
      'The console is not built. Build it with `pnpm --filter @roster/console build` ' +
      '(`npm start` builds it), then reload this page.',
    code: 'SERVICE_UNAVAILABLE',
  };
}

/**
 * Mounted by the route table at /console and /console/*. The Roster console (apps/console), a single-page app built by Vite to static files: `/console` and every
 * client-side route under it answer its index.html (never cached without revalidation), `/console/assets/*` its
 * content-hashed files (cached for good). A path that looks like a file and is not one is left to the 404.
 * When the console has not been built, `/console` answers 503 with a message saying how to build it.
 */
export function consoleApp(opts: ConsoleOptions = {}): Middleware {
  const roots = opts.roots ?? DEFAULT_CONSOLE_ROOTS;
  const assets = new Map<string, Buffer>();
  return async function serveConsole(ctx, next) {
    const root = builtRoot(roots);
    if (!root) return notBuilt(ctx);

    const segments = ctx.path.slice(CONSOLE_PATH.length).split('/').filter(Boolean);
    const file = await fileOf(root, segments);
    if (file && segments[0] === 'assets') {
      let body = assets.get(file);
      if (!body) {
        body = await readFile(file);
        assets.set(file, body);
      }
      ctx.set('Cache-Control', IMMUTABLE);
      ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
      ctx.body = body;
      return;
    }
    // A missing file (a stale hashed name, a typo) is a 404, not the page: a script tag must not get HTML.
    const last = segments.at(-1) ?? '';
    if (!file && (segments[0] === 'assets' || extname(last) !== '')) return next();

    const path = file ?? join(root, 'index.html');
    const body = await readFile(path);
    ctx.set('Cache-Control', REVALIDATE);
    ctx.type = TYPES[extname(path)] ?? 'application/octet-stream';
    ctx.etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  };
}
