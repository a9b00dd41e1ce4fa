import { describe, expect, it } from 'vitest';
import { createOpenApiDocument } from './openapi.js';
import { API_KEY_SCOPES } from './scopes.js';

// How the REST contract documents API keys and impersonation: the security scheme with every scope, each
// operation's scope (or that keys are refused), and the refusals each operation can answer with.

type Operation = {
  description?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { description?: string }>;
};
const doc = createOpenApiDocument({ baseUrl: 'https://roster.example/api', version: '9.9.9' });
const paths = doc.paths as Record<string, Record<string, Operation>>;
const op = (method: string, path: string): Operation => paths[path]![method]!;

describe('API keys in the OpenAPI document', () => {
  it('declare a bearer scheme that lists every scope', () => {
    const scheme = doc.components?.securitySchemes?.apiKey as {
      type: string;
      scheme: string;
      description: string;
    };
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'rst_…' });
    for (const scope of API_KEY_SCOPES) expect(scheme.description).toContain(`\`${scope}\``);
  });

  it("list a key's scope as a security requirement of each operation it may call", () => {
    expect(op('get', '/auth/me').security).toEqual([
      { bearerAuth: [] },
      { oauth2: [] },
      { apiKey: ['profile:read'] },
    ]);
    expect(op('get', '/users').security).toContainEqual({ apiKey: ['users:read'] });
    expect(op('patch', '/users/me').security).toContainEqual({ apiKey: ['profile:write'] });
    expect(op('get', '/admin/stats').security).toContainEqual({ apiKey: ['admin:read'] });
    expect(op('delete', '/admin/users/{id}').security).toContainEqual({ apiKey: ['admin:write'] });
    expect(op('get', '/auth/me').description).toContain('API keys: with the `profile:read` scope.');
  });

  it('say where keys are refused, and answer FORBIDDEN_FOR_API_KEY there', () => {
    for (const [method, path] of [
      ['post', '/auth/password/change'],
      ['post', '/auth/logout'],
      ['post', '/auth/api-keys'],
      ['delete', '/admin/api-keys/{id}'],
      ['post', '/admin/users/{id}/impersonate'],
      ['post', '/admin/users/{id}/password'],
    ] as const) {
      const operation = op(method, path);
      expect(JSON.stringify(operation.security), path).not.toContain('apiKey');
      expect(operation.description, path).toContain('API keys: not accepted');
      expect(operation.responses['403']?.description, path).toContain('(FORBIDDEN_FOR_API_KEY)');
    }
  });

  it('answer INSUFFICIENT_SCOPE and RATE_LIMITED where a key may call, and the impersonation refusal', () => {
    const me = op('get', '/auth/me');
    expect(me.responses['403']?.description).toContain('(INSUFFICIENT_SCOPE)');
    expect(me.responses['403']?.description).not.toContain('FORBIDDEN_WHILE_IMPERSONATING');
    expect(me.responses['429']?.description).toContain('(RATE_LIMITED)');
    expect(op('get', '/admin/stats').responses['403']?.description).toContain(
      '(FORBIDDEN_WHILE_IMPERSONATING)',
    );
    expect(op('post', '/auth/logout').responses['403']?.description).not.toContain('IMPERSONATING');
    expect(op('put', '/users/me').responses['403']?.description).toContain('(FORBIDDEN_WHILE_IMPERSONATING)');
  });

  it('leave public operations without any security requirement', () => {
    expect(op('post', '/auth/login').security).toEqual([]);
    expect(op('post', '/auth/login').description).not.toContain('API keys');
  });
});
