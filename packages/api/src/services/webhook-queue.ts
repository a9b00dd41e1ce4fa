import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { dialectOf, WebhookDelivery, WebhookEndpoint } from '@roster/db';
import { AuditService } from './audit.js';
import { excerpt, recordAttempt, type AttemptResult } from './webhook-attempts.js';

/** A delivery a dispatcher has claimed: what to send, where, and the secrets to sign it with. */
export interface ClaimedDelivery {
  id: string;
  endpointId: number;
  eventType: string;
  payload: string;
  /** Which attempt this is (1 for the first); the claim's fencing token. */
  attempt: number;
  url: string;
  /** The endpoint's secret, then the rotated-out one while its grace period runs. */
  secrets: string[];
}

export interface WebhookQueueOptions {
  /** How long a claim holds a delivery: past it, a dispatcher that died mid-attempt has lost it to another. */
  leaseMs: number;
  /** The waits between attempts (ms): attempt n+1 comes schedule[n-1] after attempt n failed; then give up. */
  schedule: readonly number[];
  /** Each wait is stretched or shrunk by up to this fraction at random, so that retries do not come in waves. */
  jitter?: number;
  random?: () => number;
}

interface ClaimedRow {
  id: string;
  endpoint_id: number | string;
  event_type: string;
  payload: string;
  attempts: number | string;
}

/**
 * The dispatcher's side of the outbox. Claiming is one statement: it counts the attempt and sets a lease on up to
 * `limit` due deliveries of enabled endpoints, and answers them. On PostgreSQL the rows are picked with
 * `FOR UPDATE SKIP LOCKED`, so instances claiming at once each get other rows; SQLite runs one writer at a time,
 * so the conditional UPDATE is itself the claim. Results are written only while the claim is still the one the
 * dispatcher holds (the attempt number fences it): a dispatcher that overran its lease changes nothing.
 */
export class WebhookQueue {
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(
    private readonly orm: MikroORM,
    private readonly opts: WebhookQueueOptions,
  ) {
    this.jitter = opts.jitter ?? 0.2;
    this.random = opts.random ?? Math.random;
  }

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  async claim(limit: number, now = new Date()): Promise<ClaimedDelivery[]> {
    const em = this.em();
    const postgres = dialectOf(em) === 'postgresql';
    const at = (date: Date) => (postgres ? date : date.getTime());
    const select =
      `select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id ` +
      `where d.status = 'pending' and d.next_attempt_at <= ? and (d.lease_until is null or d.lease_until < ?) ` +
      `and e.enabled = ? order by d.next_attempt_at limit ?`;
    // A read first: an idle poll takes no write lock (SQLite's is the whole database's).
    const due: unknown[] = await em.getConnection().execute(select, [at(now), at(now), true, 1]);
    if (due.length === 0) return [];
    const pick = `${select}${postgres ? ' for update of d skip locked' : ''}`;
    const rows: ClaimedRow[] = await em
      .getConnection()
      .execute(
        `update webhook_deliveries set lease_until = ?, attempts = attempts + 1, last_attempt_at = ? ` +
          `where id in (${pick}) returning id, endpoint_id, event_type, payload, attempts`,
        [at(new Date(now.getTime() + this.opts.leaseMs)), at(now), at(now), at(now), true, limit],
      );
    if (rows.length === 0) return [];
    const endpointIds = [...new Set(rows.map((r) => Number(r.endpoint_id)))];
    const endpoints = await em.find(
      WebhookEndpoint,
      { id: { $in: endpointIds } },
      { fields: ['id', 'url', 'secret', 'previousSecret', 'previousSecretExpiresAt'] },
    );
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    return rows.flatMap((row) => {
      const endpoint = byId.get(Number(row.endpoint_id));
      if (!endpoint) return []; // deleted meanwhile: its deliveries went with it
      const previous =
        endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now
          ? [endpoint.previousSecret]
          : [];
      return [
        {
          id: row.id,
          endpointId: endpoint.id,
          eventType: row.event_type,
          payload: row.payload,
          attempt: Number(row.attempts),
          url: endpoint.url,
          secrets: [endpoint.secret, ...previous],
        },
      ];
    });
  }

  /** The wait before the attempt after `attempt` failed, with jitter; null when the schedule has run out. */
  delayAfter(attempt: number): number | null {
    const base = this.opts.schedule[attempt - 1];
    if (base === undefined) return null;
    return Math.round(base * (1 - this.jitter + 2 * this.jitter * this.random()));
  }

  /**
   * Writes how the attempt went — delivered, due again after the schedule's next wait, or given up: then the
   * endpoint is disabled and that is audited — and the attempt's own row, in one transaction, so the delivery and
   * its attempts never disagree. Answers what happened ('stale', writing nothing, when the claim had been lost
   * meanwhile).
   */
  async record(
    delivery: ClaimedDelivery,
    result: AttemptResult,
    now = new Date(),
  ): Promise<'delivered' | 'retrying' | 'failed' | 'stale'> {
    const last = {
      leaseUntil: null,
      lastStatusCode: result.statusCode,
      lastDurationMs: result.durationMs,
      lastError: excerpt(result.error),
    };
    const mine = { id: delivery.id, attempts: delivery.attempt, status: 'pending' as const };
    const delay = result.ok ? null : this.delayAfter(delivery.attempt);
    const outcome = result.ok ? 'delivered' : delay !== null ? 'retrying' : 'failed';
    const next = result.ok
      ? { status: 'delivered' as const, deliveredAt: now, nextAttemptAt: null }
      : delay !== null
        ? { nextAttemptAt: new Date(now.getTime() + delay) }
        : { status: 'failed' as const, nextAttemptAt: null };
    return this.em().transactional(async (tx) => {
      const changed = await tx.nativeUpdate(WebhookDelivery, mine, { ...last, ...next });
      if (changed === 0) return 'stale';
      await recordAttempt(tx, delivery.id, result);
      if (outcome === 'failed') await this.disable(tx, delivery, now);
      return outcome;
    });
  }

  /** The endpoint of a delivery that ran out of retries stops receiving (once, audited), in `tx`. */
  private async disable(tx: EntityManager, delivery: ClaimedDelivery, now: Date): Promise<void> {
    const disabled = await tx.nativeUpdate(
      WebhookEndpoint,
      { id: delivery.endpointId, enabled: true },
      { enabled: false, disabledReason: 'failing', disabledAt: now, updatedAt: now },
    );
    if (disabled === 1) {
      new AuditService(tx, { ip: null, userAgent: null }).record('webhook.disabled', {
        actorId: null,
        details: { webhook_id: delivery.endpointId, delivery_id: delivery.id, attempts: delivery.attempt },
      });
    }
  }

  /**
   * Gives a claim back without counting its attempt (the dispatcher is stopping and cut the request short): the
   * delivery is due again at once, for this instance after a restart or for another one.
   */
  async release(delivery: ClaimedDelivery): Promise<void> {
    await this.em().nativeUpdate(
      WebhookDelivery,
      { id: delivery.id, attempts: delivery.attempt, status: 'pending' },
      { leaseUntil: null, attempts: delivery.attempt - 1 },
    );
  }

  /**
   * Deletes delivered and failed deliveries created before `before`, and their attempts with them (the foreign key
   * cascades); answers how many deliveries.
   */
  prune(before: Date): Promise<number> {
    return this.em().nativeDelete(WebhookDelivery, {
      status: { $in: ['delivered', 'failed'] },
      createdAt: { $lt: before },
    });
  }
}
