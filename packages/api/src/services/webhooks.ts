import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { WebhookDelivery, WebhookEndpoint, type User, type WebhookDeliveryAttempt } from '@roster/db';
import { AppError } from '../errors.js';
import type { ApiSettings } from '../settings.js';
import type {
  AttemptsInput,
  CreateWebhookInput,
  DeliveriesInput,
  UpdateWebhookInput,
} from '../schemas/webhooks.js';
import { TEST_EVENT_TYPE } from '../schemas/webhooks.js';
import { inTransaction, type AuditService } from './audit.js';
import { listAttempts } from './webhook-attempts.js';
import { newDeliveryId, newWebhookSecret, webhookPayload } from './webhook-events.js';
import type { WebhookOutbox } from './webhook-outbox.js';
import { assertWebhookUrl, type Resolver } from './webhook-urls.js';

/** The process-wide collaborators WebhooksService uses (ApiDeps has them all). */
export interface WebhookDeps {
  settings: Pick<ApiSettings, 'webhooks'>;
  webhooks: WebhookOutbox;
}

/** Only the host of a URL goes to the audit log: paths and queries often carry a receiver's own secret. */
function hostOf(url: string): string {
  return new URL(url).host;
}

function encodeCursor(delivery: WebhookDelivery): string {
  return Buffer.from(JSON.stringify([delivery.createdAt.toISOString(), delivery.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string'
    ) {
      const at = new Date(parsed[0]);
      if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
    }
  } catch {
    // fall through: not base64url JSON
  }
  throw new AppError('INVALID_CURSOR');
}

/** Webhook endpoints and their deliveries, for admins. Every change is audited in the transaction that makes it. */
export class WebhooksService {
  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly deps: WebhookDeps,
    /** How hosts are resolved for the SSRF check (the system's resolver; tests give their own). */
    private readonly resolve?: Resolver,
  ) {}

  private checkUrl(url: string): Promise<void> {
    return assertWebhookUrl(url, this.deps.settings.webhooks?.allowPrivate ?? false, this.resolve);
  }

  list(): Promise<WebhookEndpoint[]> {
    return this.em.find(WebhookEndpoint, {}, { orderBy: { id: 'asc' }, limit: 1000 });
  }

  async get(id: number): Promise<WebhookEndpoint> {
    const endpoint = await this.em.findOne(WebhookEndpoint, { id });
    if (!endpoint) throw new AppError('WEBHOOK_NOT_FOUND');
    return endpoint;
  }

  /** A new endpoint and its secret (which is never shown again). */
  async create(
    input: CreateWebhookInput,
    actor: User,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    await this.checkUrl(input.url);
    const secret = newWebhookSecret();
    const endpoint = this.em.create(WebhookEndpoint, {
      url: input.url,
      description: input.description ?? null,
      events: input.events,
      secret,
    });
    await inTransaction(this.em, async () => {
      await this.em.flush();
      this.audit.record('admin.webhook_created', {
        actorId: actor.id,
        details: { webhook_id: endpoint.id, host: hostOf(endpoint.url), events: endpoint.events },
      });
      await this.em.flush();
    });
    return { endpoint, secret };
  }

  async update(input: UpdateWebhookInput, actor: User): Promise<WebhookEndpoint> {
    if (input.url !== undefined) await this.checkUrl(input.url);
    const updated = await inTransaction(this.em, async () => {
      const endpoint = await this.get(input.id);
      const changed: string[] = [];
      if (input.url !== undefined && input.url !== endpoint.url) {
        endpoint.url = input.url;
        changed.push('url');
      }
      if (input.events !== undefined) {
        endpoint.events = input.events;
        changed.push('events');
      }
      if (input.description !== undefined) {
        endpoint.description = input.description;
        changed.push('description');
      }
      if (input.enabled !== undefined && input.enabled !== endpoint.enabled) {
        endpoint.enabled = input.enabled;
        endpoint.disabledReason = input.enabled ? null : 'admin';
        endpoint.disabledAt = input.enabled ? null : new Date();
        changed.push('enabled');
      }
      if (changed.length > 0) {
        this.audit.record('admin.webhook_updated', {
          actorId: actor.id,
          details: {
            webhook_id: endpoint.id,
            host: hostOf(endpoint.url),
            changed,
            enabled: endpoint.enabled,
          },
        });
      }
      await this.em.flush();
      return endpoint;
    });
    // Enabled (again): its pending deliveries are due.
    if (input.enabled) this.deps.webhooks.wake();
    return updated;
  }

  /** Deletes the endpoint and every delivery of it (pending ones are never sent). */
  async remove(id: number, actor: User): Promise<void> {
    await inTransaction(this.em, async () => {
      const endpoint = await this.get(id);
      await this.em.nativeDelete(WebhookDelivery, { endpointId: id });
      this.em.remove(endpoint);
      this.audit.record('admin.webhook_deleted', {
        actorId: actor.id,
        details: { webhook_id: id, host: hostOf(endpoint.url) },
      });
      await this.em.flush();
    });
  }

  /** A new secret, shown once; the old one keeps signing (as a second signature) for `graceSeconds`. */
  async rotateSecret(
    id: number,
    graceSeconds: number,
    actor: User,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newWebhookSecret();
    const endpoint = await inTransaction(this.em, async () => {
      const found = await this.em.findOne(WebhookEndpoint, { id }, { populate: ['secret'] });
      if (!found) throw new AppError('WEBHOOK_NOT_FOUND');
      found.previousSecret = graceSeconds > 0 ? found.secret : null;
      found.previousSecretExpiresAt = graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null;
      found.secret = secret;
      this.audit.record('admin.webhook_secret_rotated', {
        actorId: actor.id,
        details: { webhook_id: id, grace_seconds: graceSeconds },
      });
      await this.em.flush();
      return found;
    });
    return { endpoint, secret };
  }

  /** Queues a `webhook.test` event for the endpoint, whatever it subscribed to; answers its delivery. */
  async sendTest(id: number, actor: User): Promise<WebhookDelivery> {
    const delivery = await inTransaction(this.em, async () => {
      const endpoint = await this.get(id);
      if (!endpoint.enabled) throw new AppError('WEBHOOK_DISABLED');
      const now = new Date();
      const created = this.em.create(WebhookDelivery, {
        id: newDeliveryId(),
        endpointId: id,
        eventType: TEST_EVENT_TYPE,
        payload: webhookPayload(TEST_EVENT_TYPE, now, { webhook_id: id, requested_by: actor.id }),
        nextAttemptAt: now,
        createdAt: now,
      });
      await this.em.flush();
      return created;
    });
    this.deps.webhooks.wake();
    return delivery;
  }

  /** The endpoint's deliveries, newest first, optionally of one status; keyset pages. */
  async deliveries(input: DeliveriesInput): Promise<{ items: WebhookDelivery[]; nextCursor: string | null }> {
    await this.get(input.id);
    const where: FilterQuery<WebhookDelivery>[] = [{ endpointId: input.id }];
    if (input.status) where.push({ status: input.status });
    if (input.cursor) {
      const { at, id } = decodeCursor(input.cursor);
      where.push({ $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] });
    }
    const rows = await this.em.find(
      WebhookDelivery,
      { $and: where },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: input.limit + 1 },
    );
    const items = rows.slice(0, input.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
  }

  /** A delivery's attempts, newest first; keyset pages. */
  async attempts(
    input: AttemptsInput,
  ): Promise<{ items: WebhookDeliveryAttempt[]; nextCursor: string | null }> {
    await this.get(input.id);
    const found = await this.em.count(WebhookDelivery, { id: input.delivery_id, endpointId: input.id });
    if (found === 0) throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND');
    return listAttempts(this.em, input.delivery_id, input);
  }

  /**
   * Sends a delivery again now, with the same webhook-id. A delivered or failed one starts the retry schedule
   * afresh; a pending one is brought forward. Not while an attempt is in flight, nor to a disabled endpoint.
   */
  async retry(id: number, deliveryId: string, actor: User): Promise<WebhookDelivery> {
    const delivery = await inTransaction(this.em, async () => {
      const endpoint = await this.get(id);
      const found = await this.em.findOne(WebhookDelivery, { id: deliveryId, endpointId: id });
      if (!found) throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND');
      if (!endpoint.enabled) throw new AppError('WEBHOOK_DISABLED');
      const now = new Date();
      if (found.status === 'pending' && found.leaseUntil && found.leaseUntil > now) {
        throw new AppError('WEBHOOK_DELIVERY_IN_FLIGHT');
      }
      // Only while nothing changed it since it was read (a dispatcher may have claimed it meanwhile).
      const changed = await this.em.nativeUpdate(
        WebhookDelivery,
        { id: found.id, attempts: found.attempts, status: found.status },
        {
          status: 'pending',
          attempts: found.status === 'pending' ? found.attempts : 0,
          nextAttemptAt: now,
          leaseUntil: null,
          deliveredAt: null,
        },
      );
      if (changed === 0) throw new AppError('WEBHOOK_DELIVERY_IN_FLIGHT');
      this.audit.record('admin.webhook_delivery_retried', {
        actorId: actor.id,
        details: { webhook_id: id, delivery_id: deliveryId },
      });
      await this.em.flush();
      return this.em.findOneOrFail(WebhookDelivery, { id: deliveryId }, { refresh: true });
    });
    this.deps.webhooks.wake();
    return delivery;
  }
}
