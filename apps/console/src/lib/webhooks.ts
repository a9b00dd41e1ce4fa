import type { RouterInputs, RouterOutputs } from '@roster/sdk';
import { formatDateTime, type FormatOptions } from './format';

/** Webhook endpoints and deliveries as the console reads, edits and shows them. */

export type WebhookEventType = RouterInputs['admin']['webhooks']['create']['events'][number];
export type Webhook = RouterOutputs['admin']['webhooks']['list'][number];
export type Delivery = RouterOutputs['admin']['webhooks']['deliveries']['items'][number];

/** Every event an endpoint can subscribe to, with what it means (typed: a new event fails the build until named). */
export const WEBHOOK_EVENTS: Record<WebhookEventType, string> = {
  'user.created': 'An account is created',
  'user.updated': 'A profile changes',
  'user.role_changed': 'A role changes',
  'user.deactivated': 'An account is deactivated',
  'user.reactivated': 'An account is reactivated',
  'user.deleted': 'An account is deleted',
  'user.email_verified': 'An email address is verified',
  'user.password_changed': 'A password changes',
  'session.created': 'Someone signs in',
  'session.revoked': 'A session ends',
  'mfa.enabled': 'Two-step verification is turned on',
  'mfa.disabled': 'Two-step verification is turned off',
};

export const EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

export interface WebhookForm {
  url: string;
  events: WebhookEventType[];
  description: string;
}

export const EMPTY_FORM: WebhookForm = { url: '', events: [], description: '' };

/** The form's starting values for an endpoint. */
export function webhookForm(webhook: Webhook): WebhookForm {
  return {
    url: webhook.url,
    events: EVENT_TYPES.filter((e) => webhook.events.includes(e)),
    description: webhook.description ?? '',
  };
}

/** Checks before sending (the server checks again, and alone knows which hosts are allowed). */
export function webhookFormErrors(form: WebhookForm): Record<string, string> {
  const errors: Record<string, string> = {};
  const url = form.url.trim();
  if (url === '') errors.url = 'Enter the URL that should receive the events.';
  else if (!/^https?:\/\/[^\s/]+/i.test(url)) errors.url = 'Use an http:// or https:// URL.';
  if (form.events.length === 0) errors.events = 'Choose at least one event.';
  if (form.description.length > 500) errors.description = 'Use at most 500 characters.';
  return errors;
}

/** The create input of a form: URL trimmed, events in the listed order, a blank description left out. */
export function createInput(form: WebhookForm): RouterInputs['admin']['webhooks']['create'] {
  const description = form.description.trim();
  return {
    url: form.url.trim(),
    events: EVENT_TYPES.filter((e) => form.events.includes(e)),
    ...(description ? { description } : {}),
  };
}

/** What an edit changed, ready for admin.webhooks.update (without the id); empty when nothing did. */
export function webhookChanges(
  webhook: Webhook,
  form: WebhookForm,
): Omit<RouterInputs['admin']['webhooks']['update'], 'id'> {
  const changes: Omit<RouterInputs['admin']['webhooks']['update'], 'id'> = {};
  const next = createInput(form);
  if (next.url !== webhook.url) changes.url = next.url;
  const before = EVENT_TYPES.filter((e) => webhook.events.includes(e));
  if (before.join(',') !== next.events.join(',')) changes.events = next.events;
  const description = next.description ?? null;
  if (description !== webhook.description) changes.description = description;
  return changes;
}

/** Adds or removes one event of a selection, keeping the listed order. */
export function toggleEvent(
  events: readonly WebhookEventType[],
  event: WebhookEventType,
): WebhookEventType[] {
  const set = new Set(events);
  if (set.has(event)) set.delete(event);
  else set.add(event);
  return EVENT_TYPES.filter((e) => set.has(e));
}

/** An endpoint's state in words: enabled, or why it is not. */
export function describeEndpointState(webhook: Pick<Webhook, 'enabled' | 'disabled_reason'>): {
  label: string;
  tone: 'ok' | 'warn' | 'muted';
} {
  if (webhook.enabled) return { label: 'Enabled', tone: 'ok' };
  if (webhook.disabled_reason === 'failing') return { label: 'Disabled: failing', tone: 'warn' };
  return { label: 'Disabled', tone: 'muted' };
}

/** A delivery's row: status, attempts, the last answer and what happens next, in words. */
export function describeDelivery(
  delivery: Delivery,
  now: number = Date.now(),
  opts: FormatOptions = {},
): {
  status: string;
  tone: 'ok' | 'warn' | 'info';
  attempts: string;
  statusCode: string;
  duration: string;
  next: string;
} {
  const tone = delivery.status === 'delivered' ? 'ok' : delivery.status === 'failed' ? 'warn' : 'info';
  const status =
    delivery.status === 'delivered' ? 'Delivered' : delivery.status === 'failed' ? 'Failed' : 'Pending';
  const next =
    delivery.status === 'delivered'
      ? `Delivered ${formatDateTime(delivery.delivered_at, opts)}`
      : delivery.status === 'failed'
        ? 'No more attempts'
        : delivery.next_attempt_at
          ? Date.parse(delivery.next_attempt_at) <= now
            ? 'Due now'
            : formatWaitUntil(Date.parse(delivery.next_attempt_at) - now)
          : 'Being sent';
  return {
    status,
    tone,
    attempts: String(delivery.attempts),
    statusCode: delivery.last_status_code === null ? '—' : String(delivery.last_status_code),
    duration: delivery.last_duration_ms === null ? '—' : `${delivery.last_duration_ms} ms`,
    next,
  };
}

/** "in 5 seconds", "in 3 minutes", "in 2 hours" (rounded up). */
export function formatWaitUntil(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return seconds === 1 ? 'in 1 second' : `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'in 1 minute' : `in ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
}
