import { z } from 'zod';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from './root.js';
import type { ErrorBody } from './errors.js';
import type { Meta } from './trpc.js';

interface ProcedureLike {
  _def: { meta?: Meta; inputs?: unknown[]; output?: unknown };
}

const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureLike>;

/** Every REST route: method and path template (`/users/{id}`). */
export function restRoutes(): { method: string; path: string }[] {
  return Object.values(procedures).flatMap((procedure) => {
    const openapi = procedure._def.meta?.openapi;
    return openapi ? [{ method: openapi.method, path: openapi.path }] : [];
  });
}

/** `METHOD /path` of every REST route that accepts a form body (the OAuth2 password flow). */
export function formRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const procedure of Object.values(procedures)) {
    const openapi = procedure._def.meta?.openapi;
    if (openapi?.contentTypes?.includes('application/x-www-form-urlencoded')) {
      routes.add(`${openapi.method} ${openapi.path}`);
    }
  }
  return routes;
}

/**
 * The status a procedure answers `data` with on success over REST: its meta's `successStatus` (200 when unset), or
 * `alternativeSuccess.status` when `data` is the second member of its output union. Worked out from the answer
 * itself, so no call has to leave a status behind in state that the calls of a batch would share.
 */
export function successStatusOf(procedurePath: string, data?: unknown): number {
  const def = procedures[procedurePath]?._def;
  const alternative = def?.meta?.alternativeSuccess;
  if (alternative && def.output instanceof z.ZodUnion) {
    const second = (def.output.options as z.ZodType[])[1];
    if (second?.safeParse(data).success) return alternative.status;
  }
  return def?.meta?.successStatus ?? 200;
}

const errorSchema = z
  .object({
    detail: z.string().meta({ description: 'What went wrong, for people', example: 'User not found' }),
    code: z
      .string()
      .meta({ description: 'What went wrong, for programs (UPPER_SNAKE)', example: 'USER_NOT_FOUND' }),
    issues: z
      .array(
        z.object({
          path: z.array(z.union([z.string(), z.number().int()])),
          message: z.string(),
          code: z.string(),
        }),
      )
      .optional()
      .meta({ description: 'Validation failures (422 only)' }),
  })
  .meta({ id: 'Error' });

type Response = {
  description?: string;
  content?: Record<string, unknown>;
  headers?: Record<string, unknown>;
};
type Operation = {
  operationId?: string;
  requestBody?: { content?: Record<string, { example?: unknown }> };
  security?: Record<string, string[]>[];
  responses?: Record<string, Response>;
};

const TAGS = [
  {
    name: 'auth',
    description:
      'Registration, login (OAuth2 password flow), sessions and refresh tokens, passwords and email verification.',
  },
  { name: 'users', description: 'Profiles: list and look up accounts; update or deactivate your own.' },
  { name: 'admin', description: 'Account administration, statistics and the audit log. Admins only.' },
];

const invalid = (field: string, message: string, code: string): ErrorBody => ({
  detail: 'Validation failed',
  code: 'VALIDATION_ERROR',
  issues: [{ path: [field], message, code }],
});
const INVALID_BODY = invalid('email', 'Invalid email address', 'invalid_format');
const INVALID_ID = invalid('id', 'Invalid input: expected number, received string', 'invalid_type');
const INVALID_QUERY = invalid('limit', 'Too big: expected number to be <=100', 'too_big');

/** What each error status typically answers, as the server words it; ROUTE_ERROR_EXAMPLES has the exceptions. */
const ERROR_EXAMPLES: Record<string, ErrorBody> = {
  401: { detail: 'Not authenticated', code: 'NOT_AUTHENTICATED' },
  403: { detail: 'Admin privileges required', code: 'FORBIDDEN' },
  404: { detail: 'User not found', code: 'USER_NOT_FOUND' },
  409: { detail: 'Email already in use', code: 'USER_ALREADY_EXISTS' },
  400: { detail: 'Malformed JSON body', code: 'MALFORMED_REQUEST' },
  413: { detail: 'Request body too large', code: 'PAYLOAD_TOO_LARGE' },
  415: { detail: 'Unsupported content type', code: 'UNSUPPORTED_MEDIA_TYPE' },
  429: { detail: 'Too many requests: try again later', code: 'RATE_LIMITED' },
  500: { detail: 'Internal server error', code: 'INTERNAL_SERVER_ERROR' },
};
const ROUTE_ERROR_EXAMPLES: Record<string, ErrorBody> = {
  'post /auth/register 409': { detail: 'Email already registered', code: 'USER_ALREADY_EXISTS' },
  'post /admin/users 409': { detail: 'Email already registered', code: 'USER_ALREADY_EXISTS' },
  'post /auth/login 401': { detail: 'Incorrect email or password', code: 'INVALID_CREDENTIALS' },
  'post /auth/login 403': { detail: 'Account is deactivated', code: 'ACCOUNT_DEACTIVATED' },
  'post /auth/password/reset 400': { detail: 'Invalid or expired token', code: 'INVALID_OR_EXPIRED_TOKEN' },
  'post /auth/verify 400': { detail: 'Invalid or expired token', code: 'INVALID_OR_EXPIRED_TOKEN' },
  'post /auth/refresh 401': { detail: 'Invalid or expired refresh token', code: 'INVALID_REFRESH_TOKEN' },
  'post /auth/password/change 403': { detail: 'Current password is incorrect', code: 'WRONG_PASSWORD' },
  'put /users/me 403': { detail: 'Current password is incorrect', code: 'WRONG_PASSWORD' },
  'patch /users/me 403': { detail: 'Current password is incorrect', code: 'WRONG_PASSWORD' },
  'delete /auth/sessions/{id} 404': { detail: 'Session not found', code: 'SESSION_NOT_FOUND' },
  'delete /auth/sessions/{id} 422': invalid('id', 'Not a session id', 'invalid_format'),
  'post /auth/login 422': invalid('username', 'username (or email) is required', 'custom'),
  'post /admin/users/{id}/password 422': invalid(
    'password',
    'Too small: expected string to have >=8 characters',
    'too_small',
  ),
  'patch /admin/users/{id} 409': {
    detail: 'The record was changed meanwhile; reload it and try again',
    code: 'VERSION_CONFLICT',
  },
  'delete /admin/users/{id} 409': {
    detail: 'Admins cannot delete their own account here',
    code: 'CANNOT_DELETE_SELF',
  },
};

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
};

/** Each operation's own error responses, from its meta (`errorResponses`): the Error schema and an example. */
function errorResponsesOf(method: string, path: string, meta: Meta | undefined): Record<string, Response> {
  const route = `${method} ${path}`;
  const invalidInput =
    method === 'get' || method === 'delete'
      ? path.endsWith('{id}')
        ? INVALID_ID
        : INVALID_QUERY
      : INVALID_BODY;
  const declared = meta?.openapi?.errorResponses ?? {};
  const entries: [string, string][] = Array.isArray(declared)
    ? declared.map((code) => [String(code), 'Error'])
    : Object.entries(declared);
  // Bodies can be malformed, too large or of another type whatever the operation (security suite's fuzzing).
  if (method === 'post' || method === 'put' || method === 'patch') {
    const generic: [string, string][] = [
      ['400', 'Malformed request body'],
      ['413', 'Request body too large'],
      ['415', 'Unsupported content type'],
    ];
    // An operation's own description of a status wins (e.g. 400 for a spent token).
    entries.push(...generic.filter(([code]) => !entries.some(([own]) => own === code)));
  }
  entries.push(['500', 'Internal server error']);
  const responses: Record<string, Response> = {};
  for (const [code, description] of entries) {
    const example =
      ROUTE_ERROR_EXAMPLES[`${route} ${code}`] ?? (code === '422' ? invalidInput : ERROR_EXAMPLES[code]);
    const media = { schema: { $ref: '#/components/schemas/Error' }, ...(example ? { example } : {}) };
    responses[code] = { description, content: { 'application/json': media } };
    if (code === '429') responses[code].headers = { 'Retry-After': RETRY_AFTER };
  }
  return responses;
}

/** The `example` of a procedure's input schema (`.meta({ example })`), if it has one. */
function requestExampleOf(input: unknown): unknown {
  return input instanceof z.ZodType ? input.meta()?.example : undefined;
}

/**
 * A procedure with two success outcomes has a two-member union output (`anyOf`): the first member is answered
 * with the main status, the second with `alternative.status`, each documented under its own status.
 */
function splitSuccess(
  responses: Record<string, Response>,
  status: number,
  alternative: NonNullable<Meta['alternativeSuccess']>,
): void {
  const main = responses[String(status)];
  const media = main?.content?.['application/json'] as { schema?: { anyOf?: unknown[] } } | undefined;
  const members = media?.schema?.anyOf;
  if (!main || !members || members.length !== 2) {
    throw new Error(`alternativeSuccess needs a union of two outputs (status ${status})`);
  }
  main.content = { 'application/json': { schema: members[0] } };
  responses[String(alternative.status)] = {
    description: alternative.description,
    content: { 'application/json': { schema: members[1] } },
  };
}

export interface OpenApiDocumentOptions {
  /** Where clients reach the API (PUBLIC_URL). */
  baseUrl: string;
  version: string;
}

/** The REST contract, generated from the same procedures the tRPC surface serves. */
export function createOpenApiDocument(opts: OpenApiDocumentOptions): OpenAPIObject {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'Roster',
    description:
      'User management: registration, login, profiles and admin. Every error answers `{detail, code}`; ' +
      'validation errors (422) add `issues: [{path, message, code}]`.',
    version: opts.version,
    baseUrl: opts.baseUrl,
    tags: TAGS.map((tag) => tag.name),
    defs: { Error: errorSchema },
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      oauth2: {
        type: 'oauth2',
        flows: { password: { tokenUrl: `${opts.baseUrl.replace(/\/+$/, '')}/auth/login`, scopes: {} } },
      },
    },
  });
  const byRoute = new Map<string, ProcedureLike['_def']>();
  for (const procedure of Object.values(procedures)) {
    const openapi = procedure._def.meta?.openapi;
    if (openapi) byRoute.set(`${openapi.method.toLowerCase()} ${openapi.path}`, procedure._def);
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (!op.responses) continue;
      const def = byRoute.get(`${method} ${path}`);
      const meta = def?.meta;
      const status = meta?.successStatus ?? 200;
      // trpc-to-openapi shares one error response object per status across all operations (the first
      // procedure's description wins everywhere): keep only the success responses and rebuild the errors.
      const responses: Record<string, Response> = {};
      for (const [code, response] of Object.entries(op.responses)) {
        if (Number(code) >= 400) continue;
        if (code === '200' && status !== 200) {
          responses[String(status)] =
            status === 204 ? { description: response.description ?? 'No content' } : response;
        } else responses[code] = response;
      }
      if (meta?.alternativeSuccess) splitSuccess(responses, status, meta.alternativeSuccess);
      op.responses = { ...responses, ...errorResponsesOf(method, path, meta) };
      // Public operations say so explicitly: no security requirement at all.
      if (meta?.openapi?.protect === false) op.security = [];
      // The generator rebuilds the body schema without the input's own meta: carry its example over.
      const example = requestExampleOf(def?.inputs?.[0]);
      if (example !== undefined)
        for (const media of Object.values(op.requestBody?.content ?? {})) media.example = example;
    }
  }
  doc.tags = TAGS.map((tag) => ({ ...tag }));
  // The generator's own per-code error schemas are replaced by Error above and would only dangle.
  const schemas = doc.components?.schemas ?? {};
  for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
  return doc;
}
