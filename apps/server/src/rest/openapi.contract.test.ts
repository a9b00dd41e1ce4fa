import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import createClient, { type Middleware } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, renderOpenApiJson, renderOpenApiTypes, TYPES_FILE } from '../openapi-cli.js';
import { startTestServer, type TestServer } from '../test/harness.js';
import type { paths } from '../test/openapi-types.js';

// The REST contract as a product: the committed openapi.json (and the types generated from it) match the code,
// an independent validator accepts it, every operation is fully described, and a client generated from the
// document alone by an independent generator (openapi-typescript + openapi-fetch) works against a real server.

const COMMITTED_JSON = fileURLToPath(new URL('../../../../openapi.json', import.meta.url));
const REGENERATE = 'is out of date with the code: run `pnpm openapi` and commit the result';

type Response = {
  content?: Record<
    string,
    {
      schema?: { $ref?: string; oneOf?: { $ref?: string }[] };
      example?: unknown;
      examples?: Record<string, { value: unknown }>;
    }
  >;
  headers?: Record<string, unknown>;
};
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, Response>;
};
type Document = {
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { flows?: { password?: { tokenUrl: string } } }> };
};

const committed = readFileSync(COMMITTED_JSON, 'utf8');
const doc = JSON.parse(committed) as Document;
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, path, op })),
);
const PUBLIC = [
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/verify',
  'POST /auth/login/mfa',
  'POST /auth/login/mfa/webauthn/options',
  'POST /auth/login/mfa/webauthn/verify',
  'POST /auth/passkeys/login/options',
  'POST /auth/passkeys/login/verify',
];
/** Routes behind `rateLimit(rule)`: they document 429 with Retry-After. */
const RATE_LIMITED = [
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/verify/request',
  'POST /auth/verify',
];
/** The documented example of an operation's response: the server must answer exactly that. */
const exampleOf = (method: string, path: string, status: number) =>
  doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.example;

describe('openapi.json and the generated types', () => {
  it('openapi.json at the repository root is what the code generates', () => {
    expect(renderOpenApiJson(), `openapi.json ${REGENERATE}`).toBe(committed);
  });

  it('src/test/openapi-types.ts is what openapi-typescript generates from it', async () => {
    const types = await renderOpenApiTypes(committed);
    expect(types, `src/test/openapi-types.ts ${REGENERATE}`).toBe(readFileSync(TYPES_FILE, 'utf8'));
  });

  it('the CLI writes both files where it is told, and refuses unknown arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roster-openapi-'));
    try {
      const written = await main(['--out', join(dir, 'openapi.json'), '--types', join(dir, 'types.ts')]);
      expect(readFileSync(written.out, 'utf8')).toBe(committed);
      expect(readFileSync(written.types, 'utf8')).toBe(readFileSync(TYPES_FILE, 'utf8'));
      await expect(main(['--yaml'])).rejects.toThrow(/usage: openapi-cli/);
      await expect(main(['--out'])).rejects.toThrow(/usage: openapi-cli/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Redocly lint (recommended rules)', () => {
  it('finds no errors and no warnings', async () => {
    const config = await createConfig({
      extends: ['recommended'],
      rules: {
        // Roster is a private service (package.json "private": true) with no licence to declare.
        'info-license': 'off',
      },
    });
    const problems = await lintFromString({ source: committed, absoluteRef: COMMITTED_JSON, config });
    const listed = problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`,
    );
    expect(
      listed.filter((p) => p.startsWith('error')),
      'lint errors',
    ).toEqual([]);
    expect(listed, 'lint warnings').toEqual([]);
  });
});

describe('every operation is fully described', () => {
  it('covers the auth, users and admin operations, each tag described', () => {
    expect(doc.tags.map((t) => t.name)).toEqual(['auth', 'users', 'admin']);
    for (const tag of doc.tags) expect(tag.description, tag.name).toMatch(/\w/);
    expect(operations.length).toBeGreaterThanOrEqual(16);
    const used = new Set(operations.flatMap(({ op }) => op.tags ?? []));
    expect([...used].sort()).toEqual(['admin', 'auth', 'users']);
  });

  it.each(operations)('$route has summary, description, tag, operationId and security', ({ route, op }) => {
    expect(op.summary, route).toMatch(/\w/);
    expect(op.description, route).toMatch(/\w/);
    expect(op.tags, route).toHaveLength(1);
    expect(doc.tags.map((t) => t.name)).toContain(op.tags![0]);
    expect(op.operationId, route).toMatch(/^[A-Za-z0-9-]+$/);
    if (PUBLIC.includes(route)) expect(op.security, route).toEqual([]);
    else {
      const [login, oauth, ...keys] = op.security ?? [];
      expect([login, oauth], route).toEqual([{ bearerAuth: [] }, { oauth2: [] }]);
      // API keys: where a key may call, one more requirement naming the one scope it needs.
      if (keys.length > 0) expect(keys, route).toEqual([{ apiKey: [expect.stringMatching(/^\w+:\w+$/)] }]);
    }
  });

  it.each(operations)('$route documents its error responses with the Error schema', ({ route, path, op }) => {
    const codes = Object.keys(op.responses).map(Number);
    const errors = codes.filter((code) => code >= 400 && code < 500);
    expect(errors.length, route).toBeGreaterThan(0);
    for (const code of [...errors, 500]) {
      const media = op.responses[code]?.content?.['application/json'];
      // The Error schema, or (where an error says more, as MFA_REQUIRED) one of it and that error's own shape.
      const refs = media?.schema?.oneOf?.map((s) => s.$ref) ?? [media?.schema?.$ref];
      expect(refs, `${route} ${code}`).toContain('#/components/schemas/Error');
      const examples = media?.examples ? Object.values(media.examples).map((e) => e.value) : [media?.example];
      for (const example of examples) {
        expect(example, `${route} ${code} example`).toMatchObject({ detail: expect.any(String) });
      }
    }
    if (!PUBLIC.includes(route)) expect(codes, `${route}: authenticated`).toContain(401);
    if (path.startsWith('/admin/')) expect(codes, `${route}: admins only`).toContain(403);
    if (path.includes('{id}')) expect(codes, `${route}: by id`).toEqual(expect.arrayContaining([404, 422]));
    if (op.requestBody || (op.parameters ?? []).length > 0) expect(codes, `${route}: input`).toContain(422);
    if (RATE_LIMITED.includes(route)) expect(codes, `${route}: rate limited`).toContain(429);
    if (codes.includes(429)) {
      expect(op.responses[429]?.headers, `${route} 429`).toEqual({
        'Retry-After': { description: expect.any(String), schema: { type: 'integer', minimum: 1 } },
      });
    }
  });

  it('operationIds are unique', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(['POST /auth/register', 'POST /auth/login', 'PUT /users/me', 'PATCH /users/me'])(
    '%s has a request example for every content type',
    (route) => {
      const { op } = operations.find((o) => o.route === route)!;
      for (const [type, media] of Object.entries(op.requestBody!.content)) {
        expect(media.example, `${route} ${type}`).toEqual(expect.any(Object));
      }
    },
  );

  it('the committed document uses relative servers and token URL', () => {
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.components.securitySchemes.oauth2?.flows?.password?.tokenUrl).toBe('/auth/login');
  });
});

describe('a client generated from the document (openapi-typescript + openapi-fetch)', () => {
  const PUBLIC_URL = 'https://roster.example.test';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ PUBLIC_URL });
  });
  afterAll(() => server.close());

  it('GET /openapi.json names PUBLIC_URL as the server and token URL', async () => {
    const served = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
    expect(served.servers).toEqual([{ url: PUBLIC_URL }]);
    expect(served.components.securitySchemes.oauth2?.flows?.password?.tokenUrl).toBe(
      `${PUBLIC_URL}/auth/login`,
    );
    expect({ ...served, servers: doc.servers, components: undefined }).toEqual({
      ...doc,
      components: undefined,
    });
  });

  it('register → login (OAuth2 form) → me → update', async () => {
    const client = createClient<paths>({ baseUrl: server.url });
    const password = 'correct horse battery';

    const registered = await client.POST('/auth/register', {
      body: { email: 'Ada@Example.com', username: 'ada', password, full_name: 'Ada Lovelace' },
    });
    expect(registered.response.status).toBe(201);
    expect(registered.data).toMatchObject({ email: 'ada@example.com', username: 'ada', role: 'user' });
    expect(registered.data).not.toHaveProperty('password');

    const again = await client.POST('/auth/register', {
      body: { email: 'ada@example.com', username: 'ada2', password },
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: 'USER_ALREADY_EXISTS', detail: expect.any(String) });
    expect(again.error, 'the documented example').toEqual(exampleOf('post', '/auth/register', 409));

    // As an OAuth2 client sends it: a form body with grant_type=password.
    const login = await client.POST('/auth/login', {
      body: { grant_type: 'password', username: 'ada', password },
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(login.response.status).toBe(200);
    expect(login.data).toMatchObject({ token_type: 'bearer', expires_in: expect.any(Number) });
    expect(login.data?.user.id).toBe(registered.data && 'id' in registered.data ? registered.data.id : NaN);
    const token = login.data!.access_token;

    const anonymous = await client.GET('/auth/me');
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error).toMatchObject({ code: 'NOT_AUTHENTICATED' });
    expect(anonymous.error, 'the documented example').toEqual(exampleOf('get', '/auth/me', 401));

    const bearer: Middleware = {
      onRequest({ request }) {
        request.headers.set('Authorization', `Bearer ${token}`);
        return request;
      },
    };
    client.use(bearer);

    const me = await client.GET('/auth/me');
    expect(me.response.status).toBe(200);
    expect(me.data).toEqual(registered.data);

    const updated = await client.PUT('/users/me', {
      body: { full_name: 'Ada King', bio: 'Countess of Lovelace.' },
    });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toMatchObject({
      id: me.data!.id,
      username: 'ada',
      full_name: 'Ada King',
      bio: 'Countess of Lovelace.',
    });

    const invalid = await client.PUT('/users/me', { body: { username: 'no spaces allowed' } });
    expect(invalid.response.status).toBe(422);
    expect(invalid.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      issues: [expect.objectContaining({ path: ['username'] })],
    });

    const after = await client.GET('/auth/me');
    expect(after.data).toMatchObject({ full_name: 'Ada King', bio: 'Countess of Lovelace.' });
  });
});
