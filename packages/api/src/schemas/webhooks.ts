import { z } from 'zod';
import { DELIVERY_STATUSES, RESPONSE_EXCERPT_LENGTH, WEBHOOK_ATTEMPT_ERRORS } from '@roster/db';
import { lineText, text } from './text.js';

/** The events an endpoint can subscribe to (see docs/api.md#webhooks for what each one's data holds). */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'user.role_changed',
  'user.email_verified',
  'user.password_changed',
  'session.created',
  'session.revoked',
  'mfa.enabled',
  'mfa.disabled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What POST /admin/webhooks/{id}/test sends, whatever the endpoint subscribed to. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** A delivery's id, the `webhook-id` header: msg_ and 128 random bits, base64url. */
export const DELIVERY_ID = /^msg_[A-Za-z0-9_-]{22}$/;

const MAX_ID = 2_147_483_647;
const timestamp = z.iso.datetime().meta({ example: '2026-01-31T12:00:00.000Z' });
const webhookId = z.number().int().positive().max(MAX_ID);

const urlSchema = lineText()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, message: 'Expected an http(s) URL' }))
  .meta({
    description:
      'Where events are POSTed. Must resolve to public addresses only (unless WEBHOOK_ALLOW_PRIVATE=true); ' +
      'redirects are not followed',
    example: 'https://hooks.example.com/roster',
  });

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((events) => new Set(events).size === events.length, 'Each event type at most once')
  .meta({ description: 'The event types to receive', example: ['user.created', 'user.deleted'] });

const descriptionSchema = text().max(500).nullable().meta({ example: 'CRM sync' });

export const createWebhookInput = z
  .strictObject({ url: urlSchema, events: eventsSchema, description: descriptionSchema.optional() })
  .meta({
    id: 'WebhookCreateInput',
    example: {
      url: 'https://hooks.example.com/roster',
      events: ['user.created', 'user.deleted'],
      description: 'CRM sync',
    },
  });

export const updateWebhookInput = z
  .strictObject({
    id: webhookId,
    url: urlSchema.optional(),
    events: eventsSchema.optional(),
    description: descriptionSchema.optional(),
    enabled: z
      .boolean()
      .optional()
      .meta({ description: 'false stops deliveries; true resumes them (also after a disable for failing)' }),
  })
  .meta({ id: 'WebhookUpdateInput' });

export const webhookIdInput = z.strictObject({ id: webhookId });

export const rotateSecretInput = z.strictObject({
  id: webhookId,
  grace_seconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400)
    .meta({
      description:
        'How long deliveries are signed with the previous secret as well (two signatures in webhook-signature), ' +
        'so that receivers can switch without missing one: 24 hours by default, 0 to stop at once',
    }),
});

const limitSchema = z.number().int().min(1).max(100).default(20);
const cursorSchema = lineText()
  .max(500)
  .optional()
  .meta({ description: 'next_cursor from the previous page' });
const deliveryId = z
  .string()
  .regex(DELIVERY_ID, 'Not a delivery id')
  .meta({ example: 'msg_2Qe8v0l3bS1o5Jx9Zt4kWa' });

export const deliveriesInput = z.strictObject({
  id: webhookId,
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const deliveryIdInput = z.strictObject({ id: webhookId, delivery_id: deliveryId });

export const attemptsInput = z.strictObject({
  id: webhookId,
  delivery_id: deliveryId,
  limit: limitSchema,
  cursor: cursorSchema,
});

export const webhookSchema = z
  .object({
    id: z.number().int(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z
      .enum(['failing', 'admin'])
      .nullable()
      .meta({ description: 'failing: a delivery ran out of retries; admin: turned off by an admin' }),
    disabled_at: timestamp.nullable(),
    previous_secret_expires_at: timestamp
      .nullable()
      .meta({ description: 'Until then deliveries are signed with the rotated-out secret as well' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Webhook' });

export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().meta({
      description: 'The signing secret (whsec_…, Standard Webhooks). Shown only now: keep it',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .meta({ id: 'WebhookWithSecret' });

export const deliverySchema = z
  .object({
    id: z.string().meta({ description: 'The webhook-id header: the same on every attempt' }),
    webhook_id: z.number().int(),
    event_type: z.string(),
    status: z.enum(DELIVERY_STATUSES).meta({
      description:
        'pending: waiting for its next attempt; delivered: a 2xx came back; failed: retries ran out',
    }),
    attempts: z
      .number()
      .int()
      .meta({ description: 'Attempts begun since it was queued or last retried by hand' }),
    next_attempt_at: timestamp.nullable(),
    last_attempt_at: timestamp.nullable(),
    last_status_code: z.number().int().nullable().meta({ description: 'The HTTP status of the last answer' }),
    last_duration_ms: z.number().int().nullable(),
    last_error: z.string().nullable().meta({ description: 'Why the last attempt failed, when it did' }),
    delivered_at: timestamp.nullable(),
    created_at: timestamp,
    payload: z
      .record(z.string(), z.unknown())
      .meta({ description: 'The body sent: {type, timestamp, data}' }),
  })
  .meta({ id: 'WebhookDelivery' });

export const deliveryPageSchema = z
  .object({ items: z.array(deliverySchema), next_cursor: z.string().nullable() })
  .meta({ id: 'WebhookDeliveryPage' });

export const attemptSchema = z
  .strictObject({
    number: z
      .number()
      .int()
      .positive()
      .meta({
        description:
          "The delivery's attempts counted from 1, on across retries by hand (which restart the delivery's own " +
          '`attempts`). An attempt whose instance died before the answer has no row (the delivery counts it)',
      }),
    started_at: timestamp,
    duration_ms: z
      .number()
      .int()
      .min(0)
      .meta({ description: "From the start to the answer's status line, or to the failure" }),
    status_code: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The HTTP status of the answer; null when none came (see error_kind)' }),
    succeeded: z
      .boolean()
      .meta({ description: 'A 2xx came back: the delivery was delivered by this attempt' }),
    error_kind: z
      .enum(WEBHOOK_ATTEMPT_ERRORS)
      .nullable()
      .meta({
        description:
          'Why no answer came (address_not_allowed: the host is or resolves to an address webhooks may not ' +
          'reach); null when one did',
      }),
    response_body: z
      .string()
      .max(RESPONSE_EXCERPT_LENGTH)
      .nullable()
      .meta({
        description:
          `The beginning of the answer's body (at most ${RESPONSE_EXCERPT_LENGTH} characters, control ` +
          'characters replaced by U+FFFD); null when it was empty or no answer came',
        example: '{"received":true}',
      }),
  })
  .meta({ id: 'WebhookDeliveryAttempt' });

export const attemptPageSchema = z
  .strictObject({ items: z.array(attemptSchema), next_cursor: z.string().nullable() })
  .meta({ id: 'WebhookDeliveryAttemptPage' });

export type CreateWebhookInput = z.infer<typeof createWebhookInput>;
export type UpdateWebhookInput = z.infer<typeof updateWebhookInput>;
export type DeliveriesInput = z.infer<typeof deliveriesInput>;
export type AttemptsInput = z.infer<typeof attemptsInput>;
export type WebhookOut = z.infer<typeof webhookSchema>;
export type DeliveryOut = z.infer<typeof deliverySchema>;
export type AttemptOut = z.infer<typeof attemptSchema>;
