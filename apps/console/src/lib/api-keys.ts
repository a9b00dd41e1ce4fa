import type { RouterInputs, RouterOutputs } from '@roster/sdk';
import { formatDateTime, type FormatOptions } from './format';

/** API keys as the console shows and creates them: the scopes on offer, the form's checks, expiry in words. */

export type ApiKeyScope = RouterInputs['auth']['createApiKey']['scopes'][number];
export type ApiKeyRow = RouterOutputs['auth']['apiKeys'][number];
export type CreatedApiKey = RouterOutputs['auth']['createApiKey'];

export interface ScopeChoice {
  scope: ApiKeyScope;
  /** What a key with it may call, in words. */
  description: string;
  /** Admin scopes: offered only to admins (the API refuses them to others, and checks the role on each use). */
  admin: boolean;
}

/** Every scope, in the API's order (a scope missing here is a compile error: the record names them all). */
const DESCRIPTIONS: Record<ApiKeyScope, string> = {
  'profile:read': 'Read your account (GET /auth/me).',
  'profile:write': 'Change your profile, but not its email address.',
  'users:read': 'List and look up accounts as you may see them.',
  'admin:read': 'Admin reads: accounts, their sessions, statistics, the audit log.',
  'admin:write': 'Admin changes to accounts, except passwords.',
};
const ADMIN_SCOPES: readonly ApiKeyScope[] = ['admin:read', 'admin:write'];

export const ALL_SCOPES: readonly ScopeChoice[] = (Object.keys(DESCRIPTIONS) as ApiKeyScope[]).map(
  (scope) => ({ scope, description: DESCRIPTIONS[scope], admin: ADMIN_SCOPES.includes(scope) }),
);

/** The scopes an account with `role` may give a key: admin scopes for admins only. */
export function scopesFor(role: 'user' | 'admin'): ScopeChoice[] {
  return ALL_SCOPES.filter((choice) => role === 'admin' || !choice.admin);
}

export const MAX_KEY_DAYS = 365;
export const DEFAULT_KEY_DAYS = 90;

export interface NewKeyForm {
  name: string;
  scopes: readonly ApiKeyScope[];
  /** As typed in the number field. */
  days: string;
}

/** The form's problems by field (`name`, `scopes`, `expires_in_days`), before anything is sent; {} when none. */
export function newKeyErrors(form: NewKeyForm): Record<string, string> {
  const errors: Record<string, string> = {};
  const name = form.name.trim();
  if (name.length === 0) errors.name = 'Give the key a name, such as what uses it.';
  else if (name.length > 100) errors.name = 'Use at most 100 characters.';
  if (form.scopes.length === 0) errors.scopes = 'Choose at least one scope.';
  const days = Number(form.days.trim());
  if (form.days.trim() === '' || !Number.isInteger(days) || days < 1 || days > MAX_KEY_DAYS) {
    errors.expires_in_days = `Enter a whole number of days from 1 to ${MAX_KEY_DAYS}.`;
  }
  return errors;
}

/** The create call's input from a form that passed newKeyErrors: the name trimmed, scopes in the API's order. */
export function newKeyInput(form: NewKeyForm): RouterInputs['auth']['createApiKey'] {
  return {
    name: form.name.trim(),
    scopes: ALL_SCOPES.map((c) => c.scope).filter((scope) => form.scopes.includes(scope)),
    expires_in_days: Number(form.days.trim()),
  };
}

/** The scopes after (un)checking one, kept in the API's order. */
export function toggleScope(
  scopes: readonly ApiKeyScope[],
  scope: ApiKeyScope,
  checked: boolean,
): ApiKeyScope[] {
  const next = new Set(scopes);
  if (checked) next.add(scope);
  else next.delete(scope);
  return ALL_SCOPES.map((c) => c.scope).filter((s) => next.has(s));
}

/** Whether a key has stopped working because it expired. */
export function isExpired(key: Pick<ApiKeyRow, 'expires_at'>, now: Date = new Date()): boolean {
  return new Date(key.expires_at).getTime() <= now.getTime();
}

/** "expired", "in 5 hours", "in 1 day", "in 30 days", or the date beyond two months. */
export function describeExpiry(expiresAt: string, now: Date = new Date(), opts: FormatOptions = {}): string {
  const at = new Date(expiresAt).getTime();
  if (Number.isNaN(at)) return '—';
  const left = at - now.getTime();
  if (left <= 0) return 'expired';
  const hours = Math.ceil(left / 3_600_000);
  if (hours < 24) return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
  const days = Math.round(left / 86_400_000);
  if (days < 62) return days === 1 ? 'in 1 day' : `in ${days} days`;
  return `on ${formatDateTime(expiresAt, opts)}`;
}

/** A key as a sentence names it: “nightly export” (rst_3q8ZxN0J…). */
export function keyLabel(key: Pick<ApiKeyRow, 'name' | 'prefix'>): string {
  return `“${key.name}” (${key.prefix}…)`;
}
