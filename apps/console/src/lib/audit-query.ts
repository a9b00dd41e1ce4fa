import type { RouterInputs } from '@roster/sdk';

/** The audit log's filters as the page's form and URL hold them: text, so a half-typed id is not lost. */
export interface AuditFilters {
  actor: string;
  target: string;
  action: string;
  /** YYYY-MM-DD, a UTC day, inclusive. */
  since: string;
  /** YYYY-MM-DD, a UTC day, inclusive. */
  until: string;
}

export const EMPTY_AUDIT_FILTERS: AuditFilters = { actor: '', target: '', action: '', since: '', until: '' };

/** The actions Roster records, offered as suggestions in the action filter. */
export const KNOWN_ACTIONS = [
  'user.registered',
  'user.updated',
  'user.role_changed',
  'user.deactivated',
  'user.reactivated',
  'user.password_changed',
  'user.password_reset',
  'user.email_verified',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.refresh_token_reused',
  'auth.password_reset_requested',
  'auth.registration_duplicate',
  'admin.user_created',
  'admin.user_updated',
  'admin.password_set',
  'admin.sessions_revoked',
  'admin.user_deleted',
  'admin.promoted_explicitly',
] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A positive account id typed into a filter, or null (and an error message) for anything else. */
export function parseId(text: string): { id: number | null; error: string | null } {
  const trimmed = text.trim();
  if (!trimmed) return { id: null, error: null };
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || Number(trimmed) > 2_147_483_647) {
    return { id: null, error: 'Enter an account id: a whole number.' };
  }
  return { id: Number(trimmed), error: null };
}

/** The day after a YYYY-MM-DD day, as the start of that day in UTC. */
function dayAfter(day: string): string {
  const next = new Date(`${day}T00:00:00.000Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}

export interface AuditRequest {
  input: RouterInputs['admin']['audit'];
  /** Errors by filter field; the request is not sent while there are any. */
  errors: Partial<Record<keyof AuditFilters, string>>;
}

/** The admin.audit input for the filters and a page, or the errors that keep it from being sent. */
export function auditInput(filters: AuditFilters, cursor: string | undefined, limit: number): AuditRequest {
  const errors: AuditRequest['errors'] = {};
  const actor = parseId(filters.actor);
  const target = parseId(filters.target);
  if (actor.error) errors.actor = actor.error;
  if (target.error) errors.target = target.error;
  if (filters.since && !DAY.test(filters.since)) errors.since = 'Enter a date.';
  if (filters.until && !DAY.test(filters.until)) errors.until = 'Enter a date.';
  if (!errors.since && !errors.until && filters.since && filters.until && filters.since > filters.until) {
    errors.until = 'The end date is before the start date.';
  }
  const action = filters.action.trim();
  return {
    errors,
    input: {
      ...(actor.id ? { actor_id: actor.id } : {}),
      ...(target.id ? { target_id: target.id } : {}),
      ...(action ? { action } : {}),
      ...(filters.since && !errors.since ? { since: `${filters.since}T00:00:00.000Z` } : {}),
      ...(filters.until && !errors.until ? { until: dayAfter(filters.until) } : {}),
      limit,
      ...(cursor ? { cursor } : {}),
    },
  };
}

/** The filters a URL's search string names. */
export function parseAuditFilters(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const get = (key: string) => (params.get(key) ?? '').slice(0, 64);
  return {
    actor: get('actor'),
    target: get('target'),
    action: get('action'),
    since: get('since'),
    until: get('until'),
  };
}

/** The search string for the filters, empty ones left out. */
export function auditFiltersString(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value.trim()) params.set(key, value.trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}
