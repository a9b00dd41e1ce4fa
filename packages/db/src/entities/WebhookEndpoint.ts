import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/** Why an endpoint stopped receiving: its retry schedule ran out on a delivery, or an admin turned it off. */
export type WebhookDisabledReason = 'failing' | 'admin';

/**
 * Where an admin asked events to be sent. Deliveries are signed with `secret` (Standard Webhooks, `whsec_…`);
 * while a rotation's grace period runs they are signed with `previousSecret` as well.
 */
export class WebhookEndpoint {
  id!: number;
  url!: string;
  description: string | null = null;
  /** The event types it receives (user.created, session.revoked, …), as JSON. */
  events!: string[];
  secret!: string;
  previousSecret: string | null = null;
  previousSecretExpiresAt: Date | null = null;
  enabled: Opt<boolean> = true;
  disabledReason: WebhookDisabledReason | null = null;
  disabledAt: Date | null = null;
  createdAt!: Opt<Date>;
  updatedAt!: Opt<Date>;
}

export const WebhookEndpointSchema = new EntitySchema<WebhookEndpoint>({
  class: WebhookEndpoint,
  tableName: 'webhook_endpoints',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    url: { type: 'string', length: 2048 },
    description: { type: 'string', length: 500, nullable: true },
    events: { type: 'json' },
    secret: { type: 'string', length: 128, lazy: true },
    previousSecret: { type: 'string', length: 128, nullable: true, lazy: true },
    previousSecretExpiresAt: { type: DateTimeType, nullable: true },
    enabled: { type: 'boolean', default: true },
    disabledReason: { type: 'string', length: 16, nullable: true },
    disabledAt: { type: DateTimeType, nullable: true },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    updatedAt: { type: DateTimeType, onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
