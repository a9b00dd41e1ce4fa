import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './errors.js';
import { createOpenApiDocument, errorCodesOf, restRoutes, successStatusOf } from './openapi.js';
import { appRouter } from './root.js';
import type { Meta } from './trpc.js';

type Response = { description?: string; content?: Record<string, { schema?: unknown }> };
type Schema = Record<string, unknown>;
type Operation = {
  operationId?: string;
  tags?: string[];
  responses: Record<string, Response>;
  security?: unknown[];
  requestBody?: { content: Record<string, unknown> };
};

const doc = createOpenApiDocument({ baseUrl: 'https://roster.example/api', version: '9.9.9' });
const paths = doc.paths as Record<string, Record<string, Operation>>;
const op = (method: string, path: string): Operation => {
  const found = paths[path]?.[method];
  if (!found) throw new Error(`no ${method} ${path} in the document`);
  return found;
};
const ERROR_CONTENT = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

describe('createOpenApiDocument', () => {
  it('describes the API with the version and base URL it is given', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Roster', version: '9.9.9' });
    expect(doc.servers).toEqual([{ url: 'https://roster.example/api' }]);
    expect(doc.components?.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      oauth2: {
        type: 'oauth2',
        flows: { password: { tokenUrl: expect.stringMatching(/(^|\/)auth\/login$/) } },
      },
    });
  });

  it('lists the auth and users REST routes', () => {
    const routes = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /auth/register',
        'POST /auth/login',
        'GET /auth/me',
        'GET /users',
        'GET /users/{id}',
        'PUT /users/me',
        'PATCH /users/me',
        'DELETE /users/me',
      ]),
    );
  });

  it('answers POST /auth/register with 201 and the User schema instead of 200', () => {
    const register = op('post', '/auth/register');
    expect(register.responses['200']).toBeUndefined();
    expect(register.responses['201']).toMatchObject({
      description: 'The account was created',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } },
    });
    // REQUIRE_VERIFIED_EMAIL=true: the other member of the output union, under its own status.
    expect(register.responses['202']).toEqual({
      description: expect.stringContaining('REQUIRE_VERIFIED_EMAIL=true'),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
    });
    // Public: no security requirement (absent, or an explicit empty list).
    expect(register.security ?? []).toEqual([]);
  });

  it('answers DELETE /users/me with 204 and no content', () => {
    const responses = op('delete', '/users/me').responses;
    expect(responses['200']).toBeUndefined();
    expect(responses['204']).toEqual({ description: 'Deactivated' });
  });

  it('keeps 200 where no other success status is set', () => {
    expect(op('post', '/auth/login').responses['200']?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/LoginResponse' } },
    });
    expect(op('get', '/users/{id}').responses['200']).toBeDefined();
  });

  it('gives every error response, and a 500 on every operation, the shared Error schema', () => {
    const others: string[] = [];
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const errors = Object.entries(operation.responses).filter(([code]) => Number(code) >= 400);
        expect(errors.map(([code]) => code)).toContain('500');
        for (const [code, response] of errors) {
          const media = response.content?.['application/json'];
          if (media?.schema && '$ref' in (media.schema as object))
            expect(response.content).toMatchObject(ERROR_CONTENT);
          else others.push(`${method} ${path} ${code}`);
        }
      }
    }
    // Only where an error says more than {detail, code} (MFA_REQUIRED, below).
    expect(others).toEqual(['post /auth/login 401']);
    expect(op('get', '/users/{id}').responses['500']).toMatchObject({
      description: 'Internal server error (INTERNAL_SERVER_ERROR)',
      content: ERROR_CONTENT,
    });
    expect(Object.keys(op('post', '/auth/register').responses).sort()).toEqual([
      '201',
      '202',
      '400',
      '409',
      '413',
      '415',
      '422',
      '429',
      '500',
    ]);
    expect(op('post', '/auth/login').responses['429']).toMatchObject({
      headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } },
      content: { 'application/json': { example: { code: 'RATE_LIMITED' } } },
    });
    // Body-less operations cannot have a malformed, oversized or mistyped body. (403 and 429: API keys.)
    expect(Object.keys(op('get', '/users/{id}').responses).sort()).toEqual([
      '200',
      '401',
      '403',
      '404',
      '422',
      '429',
      '500',
    ]);
    expect(op('patch', '/users/me').responses['413']).toMatchObject({
      content: { 'application/json': { example: { code: 'PAYLOAD_TOO_LARGE' } } },
    });
  });

  it('defines the Error schema as {detail, code, issues?}', () => {
    const error = doc.components?.schemas?.Error as {
      properties: Record<string, unknown>;
      required?: string[];
    };
    expect(Object.keys(error.properties).sort()).toEqual(['code', 'detail', 'issues']);
    expect([...(error.required ?? [])].sort()).toEqual(['code', 'detail']);
  });

  it('marks signed-in routes as protected and accepts a form on login', () => {
    expect(op('get', '/users').security).toEqual(expect.arrayContaining([{ bearerAuth: [] }]));
    expect(Object.keys(op('post', '/auth/login').requestBody?.content ?? {})).toEqual([
      'application/x-www-form-urlencoded',
      'application/json',
    ]);
  });

  it('is the same document when generated twice', () => {
    expect(createOpenApiDocument({ baseUrl: 'https://roster.example/api', version: '9.9.9' })).toEqual(doc);
  });

  // Regression: trpc-to-openapi caches one response object per tRPC error code for the whole process, so the
  // first procedure's description for a status used to be reused everywhere (GET /auth/me's 401 read
  // "Incorrect email or password"). Each operation documents the codes it can answer, from the error tables.
  it("documents each operation's own error codes, worded by the error tables", () => {
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { meta?: Meta; inputs?: unknown[]; middlewares?: { name: string }[] } }
    >;
    let checked = 0;
    for (const [name, { _def }] of Object.entries(procedures)) {
      const openapi = _def.meta?.openapi;
      if (!openapi) continue;
      const method = openapi.method.toLowerCase();
      const operation = op(method, openapi.path);
      expect(operation.tags, name).toEqual([name.split('.')[0]]);
      for (const code of errorCodesOf(_def, method)) {
        const { status, message } = ERROR_CODES[code];
        expect(operation.responses[String(status)]?.description, `${name} ${code}`).toContain(
          `${message} (${code})`,
        );
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
    // What follows from how a procedure is built is there without being declared.
    expect(op('get', '/auth/me').responses['401']?.description).toBe(
      'Not authenticated (NOT_AUTHENTICATED); Could not validate credentials (INVALID_TOKEN)',
    );
    expect(op('get', '/auth/me').responses['401']?.description).not.toContain('Incorrect email');
    expect(Object.keys(op('get', '/admin/stats').responses).sort()).toEqual([
      '200',
      '401',
      '403',
      '429', // per API key
      '500',
    ]);
    expect(op('post', '/auth/password/forgot').responses['429']).toBeDefined();
    expect(op('post', '/auth/login').responses['401']).toMatchObject({
      content: {
        'application/json': {
          examples: {
            INVALID_CREDENTIALS: {
              value: { code: 'INVALID_CREDENTIALS', detail: 'Incorrect email or password' },
            },
          },
        },
      },
    });
  });

  it("documents MFA_REQUIRED's mfa_token and methods on the login's 401, beside the Error shape", () => {
    const schemas = doc.components?.schemas as Record<string, Schema>;
    expect(schemas.MfaRequiredError).toEqual({
      type: 'object',
      description: expect.stringContaining('second factor'),
      properties: {
        detail: expect.objectContaining({ type: 'string' }),
        code: expect.objectContaining({ type: 'string', const: 'MFA_REQUIRED' }),
        mfa_token: expect.objectContaining({
          type: 'string',
          description: expect.stringContaining('single use'),
        }),
        methods: expect.objectContaining({
          type: 'array',
          items: { type: 'string', enum: ['totp', 'recovery_code', 'webauthn'] },
        }),
      },
      required: ['detail', 'code', 'mfa_token', 'methods'],
      additionalProperties: false,
    });
    const unauthorized = op('post', '/auth/login').responses['401']!;
    expect(unauthorized.description).toContain('MFA_REQUIRED adds `mfa_token` and `methods`');
    const media = unauthorized.content!['application/json'] as { schema: unknown; examples: unknown };
    // Error admits no other field, and MfaRequiredError needs both: each body is exactly one of them.
    expect(media.schema).toEqual({
      oneOf: [{ $ref: '#/components/schemas/Error' }, { $ref: '#/components/schemas/MfaRequiredError' }],
    });
    expect(schemas.Error).toMatchObject({ additionalProperties: false });
    expect(media.examples).toEqual({
      INVALID_CREDENTIALS: {
        summary: 'Incorrect email or password',
        value: { detail: 'Incorrect email or password', code: 'INVALID_CREDENTIALS' },
      },
      MFA_REQUIRED: {
        summary: ERROR_CODES.MFA_REQUIRED.message,
        value: {
          detail: ERROR_CODES.MFA_REQUIRED.message,
          code: 'MFA_REQUIRED',
          mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          methods: ['totp', 'recovery_code', 'webauthn'],
        },
      },
    });
    // Every operation that can answer MFA_REQUIRED documents it so; the others keep the one Error shape.
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const shaped = JSON.stringify(operation.responses).includes('MfaRequiredError');
        expect(shaped, `${method} ${path}`).toBe(
          Object.values(operation.responses).some((r) => r.description?.includes('(MFA_REQUIRED)')),
        );
      }
    }
  });
});

describe('restRoutes', () => {
  it('lists every REST route once, the same ones the document describes', () => {
    const routes = restRoutes().map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    const documented = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect([...routes].sort()).toEqual([...documented].sort());
    expect(restRoutes()).toContainEqual({
      method: 'GET',
      path: '/users/{id}',
      procedure: 'users.byId',
      form: false,
    });
  });

  it('marks exactly the login route as taking a form body', () => {
    expect(
      restRoutes()
        .filter((r) => r.form)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual(['POST /auth/login']);
  });
});

describe('successStatusOf', () => {
  it('reads the success status of a procedure, 200 by default or when unknown', () => {
    expect(successStatusOf('auth.register')).toBe(201);
    expect(successStatusOf('users.deactivateMe')).toBe(204);
    expect(successStatusOf('auth.login')).toBe(200);
    expect(successStatusOf('users.list')).toBe(200);
    expect(successStatusOf('no.such.procedure')).toBe(200);
  });

  it('answers the alternative status for an answer of the second output (from the answer, not shared state)', () => {
    expect(successStatusOf('auth.register', { detail: 'Check your inbox to confirm your address' })).toBe(
      202,
    );
    expect(successStatusOf('auth.register', { id: 1, email: 'a@example.com' })).toBe(201);
    expect(successStatusOf('auth.login', { detail: 'x' })).toBe(200);
  });
});
