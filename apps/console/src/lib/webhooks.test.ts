import { describe, expect, it } from 'vitest';
import {
  createInput,
  describeDelivery,
  describeEndpointState,
  EMPTY_FORM,
  EVENT_TYPES,
  formatWaitUntil,
  toggleEvent,
  webhookChanges,
  webhookForm,
  webhookFormErrors,
  type Delivery,
  type Webhook,
} from './webhooks';

const WEBHOOK: Webhook = {
  id: 7,
  url: 'https://hooks.example.com/roster',
  description: 'CRM sync',
  events: ['user.deleted', 'user.created'],
  enabled: true,
  disabled_reason: null,
  disabled_at: null,
  previous_secret_expires_at: null,
  created_at: '2026-01-31T12:00:00.000Z',
  updated_at: '2026-01-31T12:00:00.000Z',
};

const DELIVERY: Delivery = {
  id: 'msg_2Qe8v0l3bS1o5Jx9Zt4kWa',
  webhook_id: 7,
  event_type: 'user.created',
  status: 'pending',
  attempts: 0,
  next_attempt_at: '2026-01-31T12:00:30.000Z',
  last_attempt_at: null,
  last_status_code: null,
  last_duration_ms: null,
  last_error: null,
  delivered_at: null,
  created_at: '2026-01-31T12:00:00.000Z',
  payload: {},
};
const NOW = Date.parse('2026-01-31T12:00:00.000Z');

describe('the endpoint form', () => {
  it('starts from an endpoint, events in the listed order', () => {
    expect(webhookForm(WEBHOOK)).toEqual({
      url: WEBHOOK.url,
      events: ['user.created', 'user.deleted'],
      description: 'CRM sync',
    });
    expect(webhookForm({ ...WEBHOOK, description: null }).description).toBe('');
  });

  it('checks the URL, the events and the description', () => {
    expect(webhookFormErrors(EMPTY_FORM)).toEqual({
      url: 'Enter the URL that should receive the events.',
      events: 'Choose at least one event.',
    });
    expect(
      webhookFormErrors({ url: 'ftp://x', events: ['user.created'], description: 'x'.repeat(501) }),
    ).toEqual({
      url: 'Use an http:// or https:// URL.',
      description: 'Use at most 500 characters.',
    });
    expect(
      webhookFormErrors({ url: ' http://localhost:9/x ', events: ['user.created'], description: '' }),
    ).toEqual({});
  });

  it('makes the create input: trimmed, ordered, no blank description', () => {
    expect(
      createInput({
        url: ' https://a.example/x ',
        events: ['user.deleted', 'user.created'],
        description: '  ',
      }),
    ).toEqual({ url: 'https://a.example/x', events: ['user.created', 'user.deleted'] });
    expect(createInput({ url: 'https://a.example', events: ['mfa.enabled'], description: ' CRM ' })).toEqual({
      url: 'https://a.example',
      events: ['mfa.enabled'],
      description: 'CRM',
    });
  });

  it('sends only what an edit changed', () => {
    expect(webhookChanges(WEBHOOK, webhookForm(WEBHOOK))).toEqual({});
    expect(
      webhookChanges(WEBHOOK, { url: 'https://b.example', events: ['user.created'], description: '' }),
    ).toEqual({ url: 'https://b.example', events: ['user.created'], description: null });
  });

  it('toggles an event, keeping the listed order', () => {
    expect(toggleEvent(['user.deleted'], 'user.created')).toEqual(['user.created', 'user.deleted']);
    expect(toggleEvent(['user.created', 'user.deleted'], 'user.created')).toEqual(['user.deleted']);
    expect(EVENT_TYPES).toHaveLength(12);
  });
});

describe('states in words', () => {
  it("says an endpoint's state", () => {
    expect(describeEndpointState(WEBHOOK)).toEqual({ label: 'Enabled', tone: 'ok' });
    expect(describeEndpointState({ enabled: false, disabled_reason: 'failing' })).toEqual({
      label: 'Disabled: failing',
      tone: 'warn',
    });
    expect(describeEndpointState({ enabled: false, disabled_reason: 'admin' })).toEqual({
      label: 'Disabled',
      tone: 'muted',
    });
  });

  it('describes a pending delivery with its next attempt', () => {
    expect(describeDelivery(DELIVERY, NOW)).toEqual({
      status: 'Pending',
      tone: 'info',
      attempts: '0',
      statusCode: '—',
      duration: '—',
      next: 'in 30 seconds',
    });
    expect(describeDelivery(DELIVERY, NOW + 60_000).next).toBe('Due now');
    expect(describeDelivery({ ...DELIVERY, next_attempt_at: null }, NOW).next).toBe('Being sent');
  });

  it('describes delivered and failed ones', () => {
    const delivered = describeDelivery(
      {
        ...DELIVERY,
        status: 'delivered',
        attempts: 1,
        last_status_code: 204,
        last_duration_ms: 12,
        delivered_at: '2026-01-31T12:00:01.000Z',
      },
      NOW,
      { timeZone: 'UTC' },
    );
    expect(delivered).toEqual({
      status: 'Delivered',
      tone: 'ok',
      attempts: '1',
      statusCode: '204',
      duration: '12 ms',
      next: 'Delivered 31 Jan 2026, 12:00',
    });
    const failed = describeDelivery(
      { ...DELIVERY, status: 'failed', attempts: 10, last_status_code: 500 },
      NOW,
    );
    expect(failed).toMatchObject({
      status: 'Failed',
      tone: 'warn',
      next: 'No more attempts',
      statusCode: '500',
    });
  });

  it('words a wait ahead', () => {
    expect(formatWaitUntil(0)).toBe('in 1 second');
    expect(formatWaitUntil(1_000)).toBe('in 1 second');
    expect(formatWaitUntil(59_000)).toBe('in 59 seconds');
    expect(formatWaitUntil(60_000)).toBe('in 1 minute');
    expect(formatWaitUntil(5 * 60_000)).toBe('in 5 minutes');
    expect(formatWaitUntil(3_600_000)).toBe('in 1 hour');
    expect(formatWaitUntil(3 * 3_600_000)).toBe('in 3 hours');
  });
});
