import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';

// Swagger UI at /docs, served from swagger-ui-dist (no CDN), and the OpenAPI document it renders.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe('/docs', () => {
  it.each(['/docs', '/docs/'])('GET %s is an HTML page that loads only local assets', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<div id="swagger-ui"></div>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/); // no inline script
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs).toEqual(
      expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']),
    );
    for (const ref of refs) expect(ref).toMatch(/^\/docs\/[\w.-]+$/);
  });

  it('serves every asset the page references', async () => {
    const html = await (await get('/docs')).text();
    for (const [, ref] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const res = await get(ref!);
      expect(res.status, ref).toBe(200);
      expect((await res.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
  });

  it.each([
    ['/docs/swagger-ui-bundle.js', 'application/javascript; charset=utf-8'],
    ['/docs/swagger-ui-standalone-preset.js', 'application/javascript; charset=utf-8'],
    ['/docs/swagger-ui.css', 'text/css; charset=utf-8'],
    ['/docs/oauth2-redirect.html', 'text/html; charset=utf-8'],
    ['/docs/favicon-32x32.png', 'image/png'],
  ])('GET %s is served as %s and cached', async (path, type) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBeGreaterThan(0);
    // The second request comes from the in-memory cache and is identical.
    expect(Buffer.from(await (await get(path)).arrayBuffer()).equals(body)).toBe(true);
  });

  it('GET /docs/init.js points Swagger UI at /openapi.json and the local OAuth2 redirect', async () => {
    const res = await get('/docs/init.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    const js = await res.text();
    expect(js).toContain("url: '/openapi.json'");
    expect(js).toContain("'/docs/oauth2-redirect.html'");
    expect(js).not.toMatch(/https?:\/\//);
  });

  it.each([
    '/docs/x.js',
    '/docs/index.html',
    '/docs/..%2fpackage.json',
    '/docs/%2e%2e/package.json',
    '/docsx',
  ])('GET %s is a 404 JSON error', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ detail: expect.any(String), code: expect.any(String) });
  });

  it('HEAD /docs and HEAD of an asset answer with headers and no body', async () => {
    for (const path of ['/docs', '/docs/swagger-ui.css']) {
      const res = await get(path, { method: 'HEAD' });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\//);
      expect(Number(res.headers.get('content-length')), path).toBeGreaterThan(0);
      expect(await res.text(), path).toBe('');
    }
  });

  it('does not answer POST /docs with the page', async () => {
    const res = await get('/docs', { method: 'POST' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('content-type')).not.toMatch(/^text\/html/);
  });
});

type Operation = {
  requestBody?: { content: Record<string, unknown> };
  responses: Record<
    string,
    { content?: Record<string, { schema?: { $ref?: string; oneOf?: { $ref?: string }[] } }> }
  >;
  security?: Record<string, string[]>[];
};
type OpenApi = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, Record<string, unknown>> };
};

describe('/openapi.json', () => {
  let doc: OpenApi;
  beforeAll(async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as OpenApi;
  });

  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: 'Roster', version: expect.any(String) });
  });

  it('documents the original REST routes', () => {
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/auth/register',
        '/auth/login',
        '/auth/me',
        '/users',
        '/users/{id}',
        '/users/me',
      ]),
    );
    expect(Object.keys(doc.paths['/auth/register']!)).toEqual(['post']);
    expect(doc.paths['/auth/register']!.post!.responses).toHaveProperty('201');
    expect(doc.paths['/auth/register']!.post!.responses).not.toHaveProperty('200');
    expect(Object.keys(doc.paths['/auth/login']!.post!.requestBody!.content).sort()).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
    ]);
    expect(doc.paths['/auth/me']).toHaveProperty('get');
    expect(doc.paths['/users']).toHaveProperty('get');
    expect(doc.paths['/users/{id}']).toHaveProperty('get');
    const me = doc.paths['/users/me']!;
    expect(Object.keys(me).sort()).toEqual(['delete', 'patch', 'put']);
    expect(me.delete!.responses).toHaveProperty('204');
    expect(me.delete!.responses['204']!.content).toBeUndefined();
    expect(me.delete!.responses).not.toHaveProperty('200');
  });

  it('declares bearer and OAuth2 password security, required on protected routes only', () => {
    const schemes = doc.components.securitySchemes;
    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.oauth2).toMatchObject({
      type: 'oauth2',
      flows: { password: { tokenUrl: expect.any(String) } },
    });
    expect(doc.paths['/auth/me']!.get!.security).toEqual(
      expect.arrayContaining([{ bearerAuth: [] }, { oauth2: [] }]),
    );
    expect(doc.paths['/auth/login']!.post!.security ?? []).toEqual([]);
    expect(doc.paths['/auth/register']!.post!.security ?? []).toEqual([]);
  });

  it('describes every error response with the shared Error schema', () => {
    expect(doc.components.schemas).toHaveProperty('Error');
    let errors = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.responses, `${method} ${path}`).toHaveProperty('500');
        for (const [code, response] of Object.entries(op.responses)) {
          if (Number(code) < 400) continue;
          errors += 1;
          const schema = response.content?.['application/json']?.schema;
          // The Error schema, or one of it and the shape of an error that says more (MFA_REQUIRED).
          const refs = schema?.oneOf?.map((s) => s.$ref) ?? [schema?.$ref];
          expect(refs, `${method} ${path} ${code}`).toContain('#/components/schemas/Error');
        }
      }
    }
    expect(errors).toBeGreaterThan(10);
  });

  it('is served identically on every request', async () => {
    const again = await (await get('/openapi.json')).json();
    expect(again).toEqual(doc);
  });
});
