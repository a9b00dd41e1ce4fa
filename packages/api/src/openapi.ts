import { z } from 'zod';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from './root.js';
import { allowsImpersonation } from './access.js';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from './errors.js';
import { API_KEY_SCHEME, documentCredentials } from './openapi-credentials.js';
import type { Meta } from './trpc.js';

interface ProcedureLike {
  _def: { meta?: Meta; inputs?: unknown[]; output?: unknown; middlewares?: { name: string }[] };
}

const procedures = appRouter._def.procedures as unknown as Record<string, ProcedureLike>;

/** Every REST route: method and path template (`/users/{id}`). */
export interface RestRoute {
  method: string;
  /** The OpenAPI template, `/users/{id}`. */
  path: string;
  /** The procedure it calls, `users.byId`. */
  procedure: string;
  /** True when it also accepts a form body (the OAuth2 password flow). */
  form: boolean;
}

/** Every REST route, in declaration order. */
export function restRoutes(): RestRoute[] {
  return Object.entries(procedures).flatMap(([procedure, { _def }]) => {
    const openapi = _def.meta?.openapi;
    if (!openapi) return [];
    const form = openapi.contentTypes?.includes('application/x-www-form-urlencoded') ?? false;
    return [{ method: openapi.method, path: openapi.path, procedure, form }];
  });
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
  description?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  security?: Record<string, string[]>[];
  responses?: Record<string, Response>;
};

const TAGS = [
  {
    name: 'auth',
    description:
      'Registration, login (OAuth2 password flow), sessions and refresh tokens, passwords and email verification, ' +
      'API keys.',
  },
  { name: 'users', description: 'Profiles: list and look up accounts; update or deactivate your own.' },
  {
    name: 'admin',
    description:
      'Account administration, statistics, the audit log, every account’s API keys, and impersonation. Admins only.',
  },
];

const invalid = (field: string, message: string, code: string): ErrorBody => ({
  detail: ERROR_CODES.VALIDATION_ERROR.message,
  code: 'VALIDATION_ERROR',
  issues: [{ path: [field], message, code }],
});
const INVALID_BODY = invalid('email', 'Invalid email address', 'invalid_format');
const INVALID_ID = invalid('id', 'Invalid input: expected number, received string', 'invalid_type');
const INVALID_QUERY = invalid('limit', 'Too big: expected number to be <=100', 'too_big');
const EITHER_CODE = invalid('code', 'Send either code or recovery_code', 'custom');
const BAD_CODE = invalid('code', 'Expected the 6 digits the authenticator app shows', 'invalid_format');
const NO_PASSWORD = invalid('password', 'Invalid input: expected string, received undefined', 'invalid_type');
const NO_RESPONSE = invalid('response', 'Invalid input: expected object, received undefined', 'invalid_type');
const NO_TOKEN = invalid('mfa_token', 'Invalid input: expected string, received undefined', 'invalid_type');
const MFA_VALIDATION_EXAMPLES: Record<string, ErrorBody> = {
  'post /auth/login/mfa': EITHER_CODE,
  'post /auth/mfa/totp/setup': NO_PASSWORD,
  'post /auth/mfa/totp/confirm': BAD_CODE,
  'post /auth/mfa/recovery-codes': EITHER_CODE,
  'post /auth/mfa/totp/disable': EITHER_CODE,
  'post /auth/login/mfa/webauthn/options': NO_TOKEN,
  'post /auth/login/mfa/webauthn/verify': NO_RESPONSE,
  'post /auth/passkeys/register/verify': NO_RESPONSE,
  'post /auth/passkeys/login/verify': NO_RESPONSE,
  'post /auth/passkeys/{id}/delete': NO_PASSWORD,
  'patch /auth/passkeys/{id}': invalid(
    'name',
    'Too small: expected string to have >=1 characters',
    'too_small',
  ),
};
/** Validation examples worded for one operation's input (every other example comes from the error tables). */
const VALIDATION_EXAMPLES: Record<string, ErrorBody> = {
  'delete /auth/sessions/{id}': invalid('id', 'Not a session id', 'invalid_format'),
  'post /auth/login': invalid('username', 'username (or email) is required', 'custom'),
  'post /admin/users/{id}/password': invalid(
    'password',
    'Too small: expected string to have >=8 characters',
    'too_small',
  ),
  ...MFA_VALIDATION_EXAMPLES,
};

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
};

/** The names of a procedure's middlewares (`isAuthed`, `isAdmin`, `rateLimited`, …: see trpc.ts). */
function middlewareNames(def: ProcedureLike['_def']): Set<string> {
  return new Set((def.middlewares ?? []).map((m) => m.name));
}

/**
 * Every error code an operation can answer with: the ones its meta declares (`errors`, its domain's), and the
 * ones that follow from how it is built — authentication (isAuthed), the admin role (isAdmin), a rate limit
 * (rateLimited), an input to validate, a body to parse — and the generic 500.
 */
export function errorCodesOf(def: ProcedureLike['_def'], method: string): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const middlewares = middlewareNames(def);
  if (middlewares.has('isAuthed')) codes.add('NOT_AUTHENTICATED').add('INVALID_TOKEN');
  if (middlewares.has('isAdmin')) codes.add('FORBIDDEN').add('MFA_ENROLLMENT_REQUIRED');
  for (const code of def.meta?.errors ?? []) codes.add(code);
  if (middlewares.has('isAuthed')) {
    // Other credentials than a login (access.ts): API keys, limited per key, and impersonation tokens.
    if (def.meta?.scope) codes.add('INSUFFICIENT_SCOPE').add('RATE_LIMITED');
    else codes.add('FORBIDDEN_FOR_API_KEY');
    if (!allowsImpersonation(def.meta)) codes.add('FORBIDDEN_WHILE_IMPERSONATING');
  }
  const input = def.inputs?.[0];
  if (input instanceof z.ZodType && !(input instanceof z.ZodVoid)) codes.add('VALIDATION_ERROR');
  if (method === 'post' || method === 'put' || method === 'patch') {
    codes.add('MALFORMED_REQUEST').add('PAYLOAD_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
  }
  if (middlewares.has('rateLimited')) codes.add('RATE_LIMITED');
  codes.add('INTERNAL_SERVER_ERROR');
  return [...codes];
}

/**
 * Each operation's error responses, generated from the error tables: per status, the codes it can answer with
 * and their messages as the description, the first one as the example, the Error schema, and Retry-After on 429.
 */
function errorResponsesOf(
  method: string,
  path: string,
  def: ProcedureLike['_def'],
): Record<string, Response> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(def, method)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const invalidInput =
    method === 'get' || method === 'delete'
      ? path.endsWith('{id}')
        ? INVALID_ID
        : INVALID_QUERY
      : INVALID_BODY;
  const responses: Record<string, Response> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const codes = byStatus.get(status)!;
    const description = codes.map((code) => `${ERROR_CODES[code].message} (${code})`).join('; ');
    const first = codes[0]!;
    const example =
      first === 'VALIDATION_ERROR'
        ? (VALIDATION_EXAMPLES[`${method} ${path}`] ?? invalidInput)
        : { detail: ERROR_CODES[first].message, code: first };
    const media = { schema: { $ref: '#/components/schemas/Error' }, example };
    responses[String(status)] = { description, content: { 'application/json': media } };
    if (status === 429) responses[String(status)]!.headers = { 'Retry-After': RETRY_AFTER };
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
      apiKey: API_KEY_SCHEME,
    },
  });
  const byRoute = new Map<string, { def: ProcedureLike['_def']; router: string }>();
  for (const [name, procedure] of Object.entries(procedures)) {
    const openapi = procedure._def.meta?.openapi;
    const router = name.split('.')[0]!;
    if (openapi)
      byRoute.set(`${openapi.method.toLowerCase()} ${openapi.path}`, { def: procedure._def, router });
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      const route = byRoute.get(`${method} ${path}`);
      if (!op.responses || !route) continue;
      const { def } = route;
      const meta = def.meta;
      // Each operation is tagged with its router's name (auth, users, admin).
      op.tags = [route.router];
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
      op.responses = { ...responses, ...errorResponsesOf(method, path, def) };
      // Public operations say so explicitly: no security requirement at all.
      if (meta?.openapi?.protect === false) op.security = [];
      else documentCredentials(op, meta);
      // The generator rebuilds the body schema without the input's own meta: carry its example over.
      const example = requestExampleOf(def.inputs?.[0]);
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
