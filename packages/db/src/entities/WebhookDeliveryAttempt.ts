import { DateTimeType, EntitySchema } from '@mikro-orm/core';

/**
 * Why an attempt got no HTTP answer, as a kind (never the error's message or stack): the request timed out, the
 * connection was refused or cut, the host did not resolve, TLS failed, the address is one webhooks may not reach,
 * or another network failure.
 */
export const WEBHOOK_ATTEMPT_ERRORS = [
  'timeout',
  'connection_refused',
  'connection_reset',
  'dns',
  'tls',
  'address_not_allowed',
  'network',
] as const;
export type WebhookAttemptError = (typeof WEBHOOK_ATTEMPT_ERRORS)[number];

/** How much of an answer's body an attempt keeps, in UTF-16 code units (as much as a delivery's `lastError`). */
export const RESPONSE_EXCERPT_LENGTH = 500;

/**
 * One attempt of a delivery, written in the transaction that records its outcome on the delivery (so the two never
 * disagree), and deleted with its delivery (the foreign key cascades). `number` counts every attempt of the
 * delivery from 1 and is never reused, also after a retry by hand restarted the delivery's own `attempts`. An
 * attempt whose dispatcher died before the answer (its lease ran out) has no row: it is counted only by the
 * delivery.
 */
export class WebhookDeliveryAttempt {
  id!: number;
  deliveryId!: string;
  number!: number;
  startedAt!: Date;
  /** From the start to the answer's status line (or the failure). */
  durationMs!: number;
  /** The HTTP status of the answer; null when none came. */
  statusCode: number | null = null;
  /** Why no answer came; null when one did. */
  errorKind: WebhookAttemptError | null = null;
  /** The beginning of the answer's body (at most RESPONSE_EXCERPT_LENGTH UTF-16 code units); null when empty. */
  responseBody: string | null = null;
}

export const WebhookDeliveryAttemptSchema = new EntitySchema<WebhookDeliveryAttempt>({
  class: WebhookDeliveryAttempt,
  tableName: 'webhook_delivery_attempts',
  uniques: [
    {
      name: 'webhook_delivery_attempts_delivery_id_number_unique',
      properties: ['deliveryId', 'number'],
    },
  ],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    deliveryId: { type: 'string', length: 40 },
    number: { type: 'integer' },
    startedAt: { type: DateTimeType },
    durationMs: { type: 'integer' },
    statusCode: { type: 'integer', nullable: true },
    errorKind: { type: 'string', length: 32, nullable: true },
    responseBody: { type: 'string', length: RESPONSE_EXCERPT_LENGTH, nullable: true },
  },
});
