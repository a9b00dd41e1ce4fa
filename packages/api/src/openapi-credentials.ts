import type { AccessMeta } from './access.js';
import { API_KEY_PREFIX, API_KEY_SCOPES, SCOPE_DESCRIPTIONS } from './scopes.js';

/** What of an OpenAPI operation says who may call it. */
export interface CredentialedOperation {
  description?: string;
  security?: Record<string, string[]>[];
}

/** The `apiKey` security scheme: every scope, and what keys may not do. */
export const API_KEY_SCHEME = {
  type: 'http' as const,
  scheme: 'bearer',
  bearerFormat: `${API_KEY_PREFIX}…`,
  description:
    `An API key (POST /auth/api-keys), sent as \`Authorization: Bearer ${API_KEY_PREFIX}…\`. It may call the ` +
    'operations that list it with a scope it holds; the others answer 403 FORBIDDEN_FOR_API_KEY. Scopes: ' +
    API_KEY_SCOPES.map((scope) => `\`${scope}\` (${SCOPE_DESCRIPTIONS[scope]})`).join('; ') +
    '. Calls are limited per key (429 RATE_LIMITED).',
};

/**
 * Says in an authenticated operation who besides a login may call it: an API key with its scope (a security
 * requirement of its own, and a line of the description), or no key at all.
 */
export function documentCredentials(op: CredentialedOperation, meta: AccessMeta | undefined): void {
  const scope = meta?.scope;
  const note = scope
    ? `API keys: with the \`${scope}\` scope.`
    : 'API keys: not accepted (403 FORBIDDEN_FOR_API_KEY).';
  op.description = op.description ? `${op.description}\n\n${note}` : note;
  // The generator lists every scheme on every protected operation: keys only where a scope lets them in.
  const others = (op.security ?? []).filter((requirement) => !('apiKey' in requirement));
  op.security = scope ? [...others, { apiKey: [scope] }] : others;
}
