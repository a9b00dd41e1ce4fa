import type { ApiKey, User } from '@roster/db';
import { AppError } from './errors.js';
import type { ApiDeps } from './context.js';
import { RateLimitedError } from './ratelimit/service.js';
import { tokenKey } from './ratelimit/rules.js';
import { IMPERSONATION_SCOPES, type ApiKeyScope } from './scopes.js';

/**
 * Who may call a procedure besides a logged-in owner, as its meta says (see `Meta` in trpc.ts):
 *
 * - `scope`: the API-key scope that lets a key call it. A procedure without one refuses keys (403
 *   FORBIDDEN_FOR_API_KEY): passwords, email, MFA, sessions and keys themselves need a login.
 * - `allowWhileImpersonating`: an impersonation token may call it although its scope (if any) is not one of
 *   IMPERSONATION_SCOPES (logging out, which ends the impersonation).
 */
export type AccessMeta = {
  scope?: ApiKeyScope;
  allowWhileImpersonating?: boolean;
};

/** The admin acting as the caller under an impersonation token, and why. */
export interface Impersonator {
  id: number;
  email: string;
  reason: string;
}

/** A key may call a procedure that names a scope, and only with that scope. */
export function admitApiKey(meta: AccessMeta | undefined, key: Pick<ApiKey, 'scopes'>): void {
  const scope = meta?.scope;
  if (!scope) throw new AppError('FORBIDDEN_FOR_API_KEY');
  if (!key.scopes.includes(scope)) {
    throw new AppError('INSUFFICIENT_SCOPE', `The API key lacks the scope this needs: ${scope}`);
  }
}

/** Whether an impersonation token may call a procedure with this meta. */
export function allowsImpersonation(meta: AccessMeta | undefined): boolean {
  if (meta?.allowWhileImpersonating) return true;
  return meta?.scope !== undefined && IMPERSONATION_SCOPES.includes(meta.scope);
}

/** An impersonation token reads and edits the profile as its owner could; nothing about credentials or admin. */
export function admitImpersonation(meta: AccessMeta | undefined): void {
  if (!allowsImpersonation(meta)) throw new AppError('FORBIDDEN_WHILE_IMPERSONATING');
}

/**
 * Changing the email address is an account-security change: profile:write keys and impersonation tokens may edit
 * the rest of the profile, but a new address needs the owner's own login.
 */
export function refuseEmailChange(
  ctx: { apiKey: unknown; impersonator: unknown; user: Pick<User, 'email'> },
  email: string | undefined,
): void {
  if (email === undefined || email === ctx.user.email) return;
  if (ctx.apiKey) throw new AppError('FORBIDDEN_FOR_API_KEY');
  if (ctx.impersonator) throw new AppError('FORBIDDEN_WHILE_IMPERSONATING');
}

/** Counts a call made with API key `token` against its limit (`apiKey.key`); 429 RATE_LIMITED over it. */
export async function limitKey(
  deps: Pick<ApiDeps, 'rateLimits' | 'events'>,
  token: string,
  path: string,
): Promise<void> {
  try {
    await deps.rateLimits.admitKey(tokenKey(token) ?? '');
  } catch (error) {
    if (error instanceof RateLimitedError) deps.events.emit({ type: 'rate_limited', procedure: path });
    throw error;
  }
}
