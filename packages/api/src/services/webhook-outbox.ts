import type {
  EntityManager,
  EventArgs,
  EventSubscriber,
  MikroORM,
  Transaction,
  TransactionEventArgs,
} from '@mikro-orm/core';
import { AuditEvent, User, WebhookDelivery, WebhookEndpoint } from '@roster/db';
import { toAdminUserOut } from './serialize.js';
import { eventOfAudit, newDeliveryId, webhookPayload, type WebhookEvent } from './webhook-events.js';

/** The events recorded in each open transaction (keyed by its root transaction), written when it commits. */
const pending = new WeakMap<object, WebhookEvent[]>();
/** Transactions that wrote deliveries: the dispatcher is woken once they commit. */
const queued = new WeakSet<object>();

/**
 * The top-level transaction of a savepoint (knex marks a nested one with a symbol naming its parent; a knex
 * transaction is a function object).
 */
function rootOf(trx: object): object {
  for (let current = trx; ; ) {
    const key = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    const parent: unknown = key ? (current as Record<symbol, unknown>)[key] : undefined;
    if ((typeof parent !== 'object' && typeof parent !== 'function') || parent === null) return current;
    current = parent;
  }
}

function add(trx: object, event: WebhookEvent): void {
  const root = rootOf(trx);
  const list = pending.get(root);
  if (list) list.push(event);
  else pending.set(root, [event]);
}

/**
 * Records an event that is no audit action (session.created, session.revoked) in the transaction `em` is in: it
 * is written to the outbox when that transaction commits, and not at all when it rolls back.
 */
export function queueWebhookEvent(em: EntityManager, event: WebhookEvent): void {
  const trx = em.getTransactionContext<Transaction>();
  if (!trx) throw new Error('queueWebhookEvent: only inside a transaction (see inTransaction)');
  add(trx, event);
}

/**
 * Writes the deliveries of `events` in `trx`: one per event and enabled endpoint subscribed to its type, with the
 * account's admin view as it is now, at the end of the transaction (or, for a deleted account, as the unit of
 * work last held it). No endpoint wants them: nothing is written. Answers whether anything was.
 */
async function writeDeliveries(
  em: EntityManager,
  trx: Transaction,
  events: WebhookEvent[],
): Promise<boolean> {
  const fork = em.fork({ clear: true, freshEventManager: true, disableContextResolution: true });
  fork.setTransactionContext(trx);
  const endpoints = await fork.find(WebhookEndpoint, { enabled: true }, { fields: ['id', 'events'] });
  const wanted = events
    .map((event) => ({ event, to: endpoints.filter((e) => e.events.includes(event.type)) }))
    .filter(({ to }) => to.length > 0);
  if (wanted.length === 0) return false;
  const ids = [...new Set(wanted.map(({ event }) => event.userId))];
  const users = await fork.find(User, { id: { $in: ids } });
  const views = new Map(users.map((user) => [user.id, toAdminUserOut(user)]));
  const now = new Date();
  const rows = wanted.flatMap(({ event, to }) => {
    const view = views.get(event.userId) ?? event.snapshot ?? { id: event.userId };
    const payload = webhookPayload(event.type, event.at, { ...view, ...event.extra });
    return to.map((endpoint) => ({
      id: newDeliveryId(),
      endpointId: endpoint.id,
      eventType: event.type,
      payload,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
    }));
  });
  await fork.insertMany(WebhookDelivery, rows);
  return true;
}

/**
 * The transactional outbox, one per ORM (see `webhookOutbox`). Every audit event whose action is a webhook event
 * (see webhook-events.ts) and every event queued with `queueWebhookEvent` is written as deliveries by the
 * transaction that records it, just before it commits: the change and its webhooks commit or roll back together.
 * After the commit, whoever listens (the server's dispatcher) is told there is something to send.
 */
export class WebhookOutbox implements EventSubscriber<AuditEvent> {
  private readonly listeners = new Set<() => void>();

  getSubscribedEntities() {
    return [AuditEvent];
  }

  afterCreate({ entity, em }: EventArgs<AuditEvent>): void {
    const trx = em.getTransactionContext<Transaction>();
    const event = eventOfAudit(entity, (id) => em.getUnitOfWork(false).getById<User>('User', id));
    if (event && trx) add(trx, event);
  }

  async beforeTransactionCommit({ em, transaction }: TransactionEventArgs): Promise<void> {
    const events = transaction ? pending.get(transaction) : undefined;
    if (!transaction || !events) return;
    pending.delete(transaction);
    if (await writeDeliveries(em, transaction, events)) queued.add(transaction);
  }

  afterTransactionCommit({ transaction }: TransactionEventArgs): void {
    if (transaction && queued.delete(transaction)) this.wake();
  }

  afterTransactionRollback({ transaction }: TransactionEventArgs): void {
    if (!transaction) return;
    pending.delete(transaction);
    queued.delete(transaction);
  }

  /** Calls `listener` whenever deliveries were committed; answers a function that stops it. */
  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners there may be deliveries to send (after a commit that wrote some, a test or a retry). */
  wake(): void {
    for (const listener of this.listeners) listener();
  }
}

const outboxes = new WeakMap<MikroORM, WebhookOutbox>();

/** The outbox of this ORM, registered once however many times deps are built over it. */
export function webhookOutbox(orm: MikroORM): WebhookOutbox {
  let outbox = outboxes.get(orm);
  if (!outbox) {
    outbox = new WebhookOutbox();
    orm.em.getEventManager().registerSubscriber(outbox);
    outboxes.set(orm, outbox);
  }
  return outbox;
}
