import { z } from 'zod';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { appRouter } from './root.js';
import type { Meta } from './trpc.js';

interface ProcedureLike {
  _def: { meta?: Meta };
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

/** The status a procedure answers with on success over REST. */
export function successStatusOf(procedurePath: string): number {
  return procedures[procedurePath]?._def.meta?.successStatus ?? 200;
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

type Operation = {
  operationId?: string;
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
};

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
    tags: ['auth', 'users', 'admin'],
    defs: { Error: errorSchema },
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      oauth2: {
        type: 'oauth2',
        flows: { password: { tokenUrl: `${opts.baseUrl.replace(/\/+$/, '')}/auth/login`, scopes: {} } },
      },
    },
  });
  const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
  for (const item of Object.values(doc.paths ?? {})) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      if (!op.responses) continue;
      const procedurePath = op.operationId?.replace(/-/g, '.') ?? '';
      const status = successStatusOf(procedurePath);
      const ok = op.responses['200'];
      if (status !== 200 && ok) {
        delete op.responses['200'];
        op.responses[String(status)] = status === 204 ? { description: ok.description ?? 'No content' } : ok;
      }
      for (const [code, response] of Object.entries(op.responses)) {
        if (Number(code) >= 400) response.content = errorContent;
      }
      op.responses['500'] = { description: 'Internal server error', content: errorContent };
    }
  }
  return doc;
}
