import { WebhookQueue, type ClaimedDelivery, type WebhookOutbox } from '@roster/api';
import type { Database } from '@roster/db';
import { Counter, type Registry } from 'prom-client';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { sendWebhook, type SendOptions, type SendResult } from './webhook-sender.js';

const PRUNE_EVERY_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

export interface DispatcherOptions {
  /** Attempts in flight at once; 0: this instance sends nothing. */
  concurrency: number;
  pollMs: number;
  timeoutMs: number;
  allowPrivate: boolean;
  retentionDays: number;
}

type Send = (delivery: ClaimedDelivery, opts: SendOptions) => Promise<SendResult>;

/**
 * Sends the outbox's deliveries in the background, never on a request's path: woken after every commit that
 * wrote some (and by admins' tests and retries), and polling as a fallback (deliveries written by another
 * instance or the CLI, retries coming due, leases of a crashed instance running out). It claims at most
 * `concurrency` deliveries at a time (see WebhookQueue.claim: several instances never hold the same one), sends
 * each with its own timeout, and records the answer, which schedules a retry or gives up. A slow or failing
 * endpoint holds only its own slots. `stop()` aborts what is in flight and gives those claims back uncounted.
 */
export class WebhookDispatcher {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly controller = new AbortController();
  private running = false;
  private ticking: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private lastPrune = 0;

  constructor(
    private readonly queue: WebhookQueue,
    private readonly outbox: WebhookOutbox,
    private readonly opts: DispatcherOptions,
    private readonly logger: Logger,
    private readonly attempts?: Counter<'outcome'>,
    private readonly send: Send = sendWebhook,
  ) {}

  start(): void {
    if (this.running || this.opts.concurrency === 0) return;
    this.running = true;
    this.unsubscribe = this.outbox.onQueued(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.opts.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (or once more right after the look in progress). */
  wake(): void {
    if (!this.running) return;
    this.again = true;
    if (this.ticking) return;
    this.ticking = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.again && this.running) {
        this.again = false;
        await this.tick();
      }
    })().finally(() => {
      this.ticking = null;
      if (this.again) this.wake();
    });
  }

  /** One look: claims what there is room for and sends it; a full batch asks for another look. */
  private async tick(): Promise<void> {
    try {
      await this.prune();
      const room = this.opts.concurrency - this.inflight.size;
      if (room <= 0) return;
      const claimed = await this.queue.claim(room);
      for (const delivery of claimed) this.dispatch(delivery);
      if (claimed.length === room) this.again = true;
    } catch (error) {
      // The database is unreachable, say: the next poll tries again.
      this.again = false;
      this.logger.warn(
        { err: { message: (error as Error).message } },
        'webhooks: could not claim deliveries',
      );
    }
  }

  private dispatch(delivery: ClaimedDelivery): void {
    const done = (async () => {
      const result = this.running
        ? await this.send(delivery, { ...this.opts, signal: this.controller.signal })
        : null;
      if (!result || result.aborted) {
        await this.queue.release(delivery);
        return;
      }
      const outcome = await this.queue.record(delivery, result);
      this.attempts?.inc({ outcome });
      const fields = {
        webhook_id: delivery.endpointId,
        delivery_id: delivery.id,
        event: delivery.eventType,
        attempt: delivery.attempt,
        status: result.statusCode,
        ms: result.durationMs,
      };
      if (outcome === 'failed') {
        this.logger.warn({ ...fields, error: result.error }, 'webhook endpoint disabled: retries ran out');
      } else if (outcome === 'retrying') {
        this.logger.info({ ...fields, error: result.error }, 'webhook attempt failed; will retry');
      }
    })()
      .catch((error: unknown) => {
        this.logger.error(
          { err: { message: (error as Error).message }, delivery_id: delivery.id },
          'webhooks: recording an attempt failed',
        );
      })
      .finally(() => {
        this.inflight.delete(delivery.id);
        this.wake();
      });
    this.inflight.set(delivery.id, done);
  }

  private async prune(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const pruned = await this.queue.prune(new Date(now - this.opts.retentionDays * DAY_MS));
    if (pruned > 0) this.logger.info({ pruned }, 'webhooks: old deliveries deleted');
  }

  /** Stops claiming, aborts the attempts in flight and gives their claims back. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.ticking;
    this.controller.abort();
    await Promise.all(this.inflight.values());
  }
}

/** The dispatcher of a server, from its configuration; started (unless WEBHOOK_CONCURRENCY=0). */
export function startWebhookDispatcher(
  config: Config,
  db: Database,
  outbox: WebhookOutbox,
  logger: Logger,
  registry: Registry,
): WebhookDispatcher {
  const { webhooks } = config;
  const queue = new WebhookQueue(db.orm, { leaseMs: webhooks.leaseMs, schedule: webhooks.retryScheduleMs });
  const attempts = new Counter({
    name: 'roster_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome: delivered, retrying, failed (retries ran out), stale (claim lost)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const dispatcher = new WebhookDispatcher(queue, outbox, webhooks, logger, attempts);
  dispatcher.start();
  return dispatcher;
}
