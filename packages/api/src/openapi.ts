import { z } from 'zod';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from './root.js';
import { API_KEY_SCHEME, documentCredentials } from './openapi-credentials.js';
import { ERROR_SCHEMAS, errorResponsesOf, type ProcedureLike, type Response } from './openapi-errors.js';
import type { Meta } from './trpc.js';

export { errorCodesOf } from './openapi-errors.js';

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
      'validation errors (422) add `issues: [{path, message, code}]`, and MFA_REQUIRED (401 from POST ' +
      '/auth/login) adds `mfa_token` and `methods` (the MfaRequiredError schema).',
    version: opts.version,
    baseUrl: opts.baseUrl,
    tags: TAGS.map((tag) => tag.name),
    defs: ERROR_SCHEMAS,
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
