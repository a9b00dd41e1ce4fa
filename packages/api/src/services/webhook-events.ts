import { randomBytes } from 'node:crypto';
import type { AuditEvent, Session, User } from '@roster/db';
import type { AdminUserOut } from '../schemas/admin.js';
import type { WebhookEventType } from '../schemas/webhooks.js';
import { toAdminUserOut } from './serialize.js';

/**
 * One event on its way to the outbox. Its `data` is the admin view of the account (read when the transaction
 * commits, so that it shows the change) plus `extra`, what the event adds.
 */
export interface WebhookEvent {
  type: WebhookEventType;
  userId: number;
  at: Date;
  extra: Record<string, unknown>;
  /** The account as the unit of work held it when the event was recorded: the view of a deleted account. */
  snapshot?: AdminUserOut | null;
}

const nothing = () => ({});
const changes = (audit: AuditEvent) => ({ changes: audit.details ?? {} });
const passwordReason = (reason: string) => () => ({ reason });
const mfa = (audit: AuditEvent) => ({ mfa: audit.details ?? {} });

/**
 * The audit actions that are webhook events, and what each adds to the account's view. An action not listed here
 * (logins, failed logins, admin reads…) is no event. MFA records `mfa.enabled` / `mfa.disabled`.
 */
const FROM_AUDIT: Record<string, [WebhookEventType, (audit: AuditEvent) => Record<string, unknown>]> = {
  'user.registered': ['user.created', nothing],
  'admin.user_created': ['user.created', nothing],
  'user.updated': ['user.updated', changes],
  'admin.user_updated': ['user.updated', changes],
  'user.deactivated': ['user.deactivated', nothing],
  'user.reactivated': ['user.reactivated', nothing],
  'admin.user_deleted': ['user.deleted', nothing],
  'user.role_changed': ['user.role_changed', changes],
  'user.email_verified': ['user.email_verified', nothing],
  'user.password_changed': ['user.password_changed', passwordReason('changed')],
  'user.password_reset': ['user.password_changed', passwordReason('reset')],
  'admin.password_set': ['user.password_changed', passwordReason('set_by_admin')],
  'mfa.enabled': ['mfa.enabled', mfa],
  'mfa.disabled': ['mfa.disabled', mfa],
};

/** The audit actions that become webhook events (for tests and docs). */
export const AUDITED_EVENT_ACTIONS: Readonly<Record<string, WebhookEventType>> = Object.fromEntries(
  Object.entries(FROM_AUDIT).map(([action, [type]]) => [action, type]),
);

function fullyLoaded(user: User | undefined): user is User {
  return typeof user?.email === 'string' && user.createdAt instanceof Date && user.updatedAt instanceof Date;
}

/**
 * The webhook event an audit event is, if any: about its target account, with who acted (`actor_id`: null for
 * the system). `loaded` finds the account in the recording unit of work, for the view of a deleted one.
 */
export function eventOfAudit(
  audit: AuditEvent,
  loaded: (id: number) => User | undefined,
): WebhookEvent | null {
  const mapped = FROM_AUDIT[audit.action];
  if (!mapped || audit.targetId === null) return null;
  const [type, extra] = mapped;
  const user = loaded(audit.targetId);
  return {
    type,
    userId: audit.targetId,
    at: audit.at,
    extra: { actor_id: audit.actorId, ...extra(audit) },
    snapshot: fullyLoaded(user) ? toAdminUserOut(user) : null,
  };
}

/** What session.created adds: the session (never a token). */
export function sessionCreatedEvent(session: Session): WebhookEvent {
  return {
    type: 'session.created',
    userId: session.userId,
    at: session.createdAt,
    extra: {
      session: {
        id: session.id,
        created_at: session.createdAt.toISOString(),
        expires_at: session.expiresAt.toISOString(),
        ip: session.ip,
        user_agent: session.userAgent,
      },
    },
  };
}

/** What session.revoked adds: which sessions ended, and why (logout, password_changed, deactivated…). */
export function sessionsRevokedEvent(userId: number, sessionIds: string[], reason: string): WebhookEvent {
  return { type: 'session.revoked', userId, at: new Date(), extra: { session_ids: sessionIds, reason } };
}

/** A delivery's id and `webhook-id` header: msg_ and 128 random bits. */
export function newDeliveryId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** The body of every webhook, exactly as it is signed: `{type, timestamp, data}`. */
export function webhookPayload(type: string, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

/** A new endpoint secret: whsec_ and 256 random bits, base64 (what Standard Webhooks libraries expect). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
