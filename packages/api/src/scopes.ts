/**
 * What an API key may do. Each procedure that keys may call names one of these in its meta (`scope`); a
 * procedure without one refuses keys (403 FORBIDDEN_FOR_API_KEY): passwords, email, MFA, sessions, keys.
 */
export const API_KEY_SCOPES = [
  'profile:read',
  'profile:write',
  'users:read',
  'admin:read',
  'admin:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** What each scope allows, for the OpenAPI document and the docs. */
export const SCOPE_DESCRIPTIONS: Record<ApiKeyScope, string> = {
  'profile:read': 'Read your own account (GET /auth/me)',
  'profile:write': 'Change your own profile, except its email address (PUT/PATCH /users/me)',
  'users:read': 'List and look up accounts as you may see them (GET /users, GET /users/{id})',
  'admin:read': 'Admin reads: accounts, their sessions, statistics, the audit log (needs the admin role)',
  'admin:write': 'Admin changes to accounts, except passwords (needs the admin role)',
};

/** Scopes that act as an admin: honoured only while the key's owner has the admin role (checked on each use). */
export const ADMIN_SCOPES: readonly ApiKeyScope[] = ['admin:read', 'admin:write'];

/**
 * What an impersonation token may do: what a key with these scopes could, plus the procedures marked
 * `allowWhileImpersonating` (logging out, which ends the impersonation). Anything else — passwords, email, MFA,
 * keys, sessions, admin — is 403 FORBIDDEN_WHILE_IMPERSONATING.
 */
export const IMPERSONATION_SCOPES: readonly ApiKeyScope[] = ['profile:read', 'profile:write', 'users:read'];

/** Every API key starts with this, so a bearer credential tells at a glance what it is. */
export const API_KEY_PREFIX = 'rst_';
