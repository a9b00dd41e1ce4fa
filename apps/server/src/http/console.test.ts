import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleApp, DEFAULT_CONSOLE_ROOTS } from './console.js';
import { securityHeaders } from './security-headers.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// /console: the built console (a stand-in dist here) served with its caching, its SPA fallback, its CSP, and a
// clear 503 when it has not been built.

const INDEX =
  '<!doctype html><html><head><script type="module" src="/console/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';

let dist: string;
let empty: string;
let built: Server;
let unbuilt: Server;

function listen(roots: string[]): Promise<Server> {
  // Mounted as the route table mounts it (routes.ts): /console and /console/*.
  const router = new Router();
  const serve = consoleApp({ roots });
  router.get('/console', serve);
  router.get('/console/*path', serve);
  const app = new Koa();
  app.use(securityHeaders());
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { detail: 'Not found', code: 'NOT_FOUND' };
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const base = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'roster-console-'));
  empty = mkdtempSync(join(tmpdir(), 'roster-console-empty-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, 'assets', 'index-AbC123.js'), 'console.log("console")');
  writeFileSync(join(dist, 'assets', 'index-AbC123.css'), 'body{margin:0}');
  writeFileSync(join(dist, 'assets', 'data.bin'), 'x');
  // The first root lacks index.html: the next one is used.
  built = await listen([empty, dist]);
  unbuilt = await listen([empty]);
});

afterAll(async () => {
  await new Promise((resolve) => built?.close(resolve));
  await new Promise((resolve) => unbuilt?.close(resolve));
  rmSync(dist, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

describe('/console, built', () => {
  it.each(['/console', '/console/', '/console/admin/users', '/console/admin/users/42', '/console/account'])(
    'GET %s answers the page, revalidated on every load, under the console CSP',
    async (path) => {
      const res = await fetch(`${base(built)}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
    },
  );

  it('answers 304 to a request with the ETag it was given', async () => {
    const first = await fetch(`${base(built)}/console/users`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    // node:http, not fetch: fetch adds Cache-Control: no-cache to a conditional request, which forbids a 304.
    const status = await new Promise<number | undefined>((resolve, reject) =>
      get(`${base(built)}/console/`, { headers: { 'if-none-match': etag as string } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject),
    );
    expect(status).toBe(304);
  });

  it.each([
    ['/console/assets/index-AbC123.js', 'text/javascript; charset=utf-8'],
    ['/console/assets/index-AbC123.css', 'text/css; charset=utf-8'],
    ['/console/assets/data.bin', 'application/octet-stream'],
  ])('GET %s is served as %s, cached for good', async (path, type) => {
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${base(built)}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('serves other files of the build, revalidated', async () => {
    const res = await fetch(`${base(built)}/console/favicon.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it.each([
    '/console/assets/index-OLD.js',
    '/console/assets/',
    '/console/missing.png',
    '/console/assets/..%2findex.html',
    '/console/%2e%2e/%2e%2e/etc/passwd',
    '/console/.hidden.js',
  ])('GET %s is a 404 (never the page, never a file outside the build)', async (path) => {
    const res = await fetch(`${base(built)}${path}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not found', code: 'NOT_FOUND' });
  });

  it('leaves other methods and other paths to the next middleware', async () => {
    expect((await fetch(`${base(built)}/console`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base(built)}/console/missing.js`)).status).toBe(404);
    expect((await fetch(`${base(built)}/consoles`)).status).toBe(404);
    const head = await fetch(`${base(built)}/console/admin`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('/console, not built', () => {
  it('answers 503 with a message saying how to build it', async () => {
    for (const path of ['/console', '/console/admin/users', '/console/assets/index-AbC123.js']) {
      const res = await fetch(`${base(unbuilt)}${path}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as { detail: string; code: string };
      expect(body.code).toBe('SERVICE_UNAVAILABLE');
      expect(body.detail).toContain('pnpm --filter @roster/console build');
    }
  });
});

describe('/console in the app', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('is served from the workspace build, or answers 503 when there is none', async () => {
    const res = await fetch(`${server.url}/console/admin/users`);
    const builtHere = DEFAULT_CONSOLE_ROOTS.some((root) => existsSync(join(root, 'index.html')));
    expect(res.status).toBe(builtHere ? 200 : 503);
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self'");
    // The API's own paths keep the API's CSP.
    const api = await fetch(`${server.url}/health`);
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
