import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint: the outbox row, written in the transaction of the change it announces, and the
 * state of its delivery. Its id is the `webhook-id` header, the same on every attempt. A dispatcher claims a due
 * delivery by setting `leaseUntil` (and counting the attempt); a dispatcher that dies mid-attempt leaves the lease
 * to run out, and another one tries again.
 */
export class WebhookDelivery {
  /** msg_ + 128 random bits, base64url. */
  id!: string;
  endpointId!: number;
  eventType!: string;
  /** The JSON body, exactly as it is signed and sent. */
  payload!: string;
  status: Opt<DeliveryStatus> = 'pending';
  /** Attempts begun (a claim counts one, even when its dispatcher died before the answer). */
  attempts: Opt<number> = 0;
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: Date | null = null;
  leaseUntil: Date | null = null;
  lastAttemptAt: Date | null = null;
  lastStatusCode: number | null = null;
  lastDurationMs: number | null = null;
  lastError: string | null = null;
  deliveredAt: Date | null = null;
  createdAt!: Opt<Date>;
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDelivery>({
  class: WebhookDelivery,
  tableName: 'webhook_deliveries',
  indexes: [
    { name: 'webhook_deliveries_status_next_attempt_at_index', properties: ['status', 'nextAttemptAt'] },
    {
      name: 'webhook_deliveries_endpoint_id_created_at_index',
      properties: ['endpointId', 'createdAt', 'id'],
    },
  ],
  properties: {
    id: { type: 'string', length: 40, primary: true },
    endpointId: { type: 'integer' },
    eventType: { type: 'string', length: 64 },
    payload: { type: 'text' },
    status: { type: 'string', length: 16, default: 'pending' },
    attempts: { type: 'integer', default: 0 },
    nextAttemptAt: { type: DateTimeType, nullable: true },
    leaseUntil: { type: DateTimeType, nullable: true },
    lastAttemptAt: { type: DateTimeType, nullable: true },
    lastStatusCode: { type: 'integer', nullable: true },
    lastDurationMs: { type: 'integer', nullable: true },
    lastError: { type: 'string', length: 500, nullable: true },
    deliveredAt: { type: DateTimeType, nullable: true },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
  },
});
