import { AuditEvent, WebhookDelivery, WebhookEndpoint } from '@roster/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.js';
import { newDeliveryId, webhookPayload } from './webhook-events.js';
import { WebhookQueue, type ClaimedDelivery } from './webhook-queue.js';

// The dispatcher's side of the outbox: claims (one attempt each, under a lease), results fenced by the attempt,
// the retry schedule, and giving up: the endpoint disabled and audited.

let h: Harness;
const SCHEDULE = [1_000, 60_000];
const LEASE = 30_000;
const queue = () => new WebhookQueue(h.db.orm, { leaseMs: LEASE, schedule: SCHEDULE, random: () => 0.5 });
const ANSWER = { startedAt: new Date(), errorKind: null, responseBody: null };
const FAIL = { ...ANSWER, ok: false, statusCode: 500, durationMs: 12, error: 'HTTP 500' };
const OK = { ...ANSWER, ok: true, statusCode: 204, durationMs: 7, error: null };

async function endpoint(fields: Partial<WebhookEndpoint> = {}) {
  const em = h.db.orm.em.fork();
  const row = em.create(WebhookEndpoint, {
    url: 'https://hooks.example.com/x',
    events: ['user.created'],
    secret: 'whsec_Y3VycmVudA==',
    ...fields,
  });
  await em.flush();
  return row;
}

async function enqueue(endpointId: number, count = 1, nextAttemptAt = new Date()) {
  const em = h.db.orm.em.fork();
  const rows = Array.from({ length: count }, () =>
    em.create(WebhookDelivery, {
      id: newDeliveryId(),
      endpointId,
      eventType: 'user.created',
      payload: webhookPayload('user.created', new Date(), { id: 1 }),
      nextAttemptAt,
      createdAt: new Date(),
    }),
  );
  await em.flush();
  return rows;
}

const row = (id: string) => h.db.orm.em.fork().findOneOrFail(WebhookDelivery, { id });
const later = (ms: number) => new Date(Date.now() + ms);

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  const em = h.db.orm.em.fork();
  await em.nativeDelete(WebhookDelivery, {});
  await em.nativeDelete(WebhookEndpoint, {});
});

describe('WebhookQueue.claim', () => {
  it('claims due deliveries of enabled endpoints once, counting the attempt, until the lease runs out', async () => {
    const on = await endpoint();
    const off = await endpoint({ enabled: false });
    const [due] = await enqueue(on.id);
    await enqueue(on.id, 1, later(60_000));
    await enqueue(off.id);
    const [claimed, ...rest] = await queue().claim(10);
    expect(rest).toEqual([]);
    expect(claimed).toMatchObject({
      id: due!.id,
      endpointId: on.id,
      attempt: 1,
      url: on.url,
      secrets: ['whsec_Y3VycmVudA=='],
      eventType: 'user.created',
    });
    expect(JSON.parse(claimed!.payload)).toMatchObject({ type: 'user.created', data: { id: 1 } });
    expect(await queue().claim(10)).toEqual([]);
    const stored = await row(due!.id);
    expect(stored.attempts).toBe(1);
    expect(stored.leaseUntil!.getTime()).toBeGreaterThan(Date.now() + LEASE - 5_000);
    // The dispatcher died: once the lease has run out another one claims it, as the next attempt.
    const [again] = await queue().claim(10, later(LEASE + 1_000));
    expect(again).toMatchObject({ id: due!.id, attempt: 2 });
  });

  it('never gives one delivery to two claims made at once', async () => {
    const on = await endpoint();
    const rows = await enqueue(on.id, 12);
    const claims = await Promise.all(Array.from({ length: 6 }, () => queue().claim(4)));
    const ids = claims.flat().map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it('signs with the rotated-out secret as well while its grace period runs', async () => {
    const on = await endpoint({ previousSecret: 'whsec_b2xk', previousSecretExpiresAt: later(60_000) });
    const gone = await endpoint({ previousSecret: 'whsec_b2xk', previousSecretExpiresAt: later(-1_000) });
    await enqueue(on.id);
    await enqueue(gone.id);
    const claimed = await queue().claim(10);
    expect(claimed.find((c) => c.endpointId === on.id)?.secrets).toEqual([
      'whsec_Y3VycmVudA==',
      'whsec_b2xk',
    ]);
    expect(claimed.find((c) => c.endpointId === gone.id)?.secrets).toEqual(['whsec_Y3VycmVudA==']);
  });
});

describe('WebhookQueue.record', () => {
  let on: WebhookEndpoint;
  let claimed: ClaimedDelivery;
  beforeEach(async () => {
    on = await endpoint();
    await enqueue(on.id);
    [claimed] = (await queue().claim(1)) as [ClaimedDelivery];
  });

  it('marks a 2xx delivered, with the answer', async () => {
    expect(await queue().record(claimed, OK)).toBe('delivered');
    expect(await row(claimed.id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 204,
      lastDurationMs: 7,
      lastError: null,
      leaseUntil: null,
      nextAttemptAt: null,
      deliveredAt: expect.any(Date),
    });
  });

  it('schedules the next attempt after a failure, then gives up: the endpoint is disabled and audited', async () => {
    const now = new Date();
    expect(await queue().record(claimed, FAIL, now)).toBe('retrying');
    expect(await row(claimed.id)).toMatchObject({
      status: 'pending',
      lastStatusCode: 500,
      lastError: 'HTTP 500',
      leaseUntil: null,
      nextAttemptAt: new Date(now.getTime() + SCHEDULE[0]!),
    });
    let attempt = claimed;
    for (const [i, expected] of (['retrying', 'failed'] as const).entries()) {
      [attempt] = (await queue().claim(1, later(SCHEDULE[i]! + 1_000))) as [ClaimedDelivery];
      expect(attempt.attempt).toBe(i + 2);
      expect(
        await queue().record(attempt, { ...FAIL, statusCode: null, error: 'timeout', errorKind: 'timeout' }),
      ).toBe(expected);
    }
    expect(await row(claimed.id)).toMatchObject({ status: 'failed', attempts: 3, nextAttemptAt: null });
    const em = h.db.orm.em.fork();
    expect(await em.findOneOrFail(WebhookEndpoint, { id: on.id })).toMatchObject({
      enabled: false,
      disabledReason: 'failing',
      disabledAt: expect.any(Date),
    });
    const [audit] = await em.find(AuditEvent, { action: 'webhook.disabled' }, { orderBy: { id: 'desc' } });
    expect(audit).toMatchObject({
      actorId: null,
      details: { webhook_id: on.id, delivery_id: claimed.id, attempts: 3 },
    });
  });

  it('disables and audits once when several deliveries of an endpoint give up', async () => {
    await enqueue(on.id);
    const giveUp = new WebhookQueue(h.db.orm, { leaseMs: LEASE, schedule: [] });
    const [second] = (await giveUp.claim(1)) as [ClaimedDelivery];
    expect(await giveUp.record(claimed, FAIL)).toBe('failed');
    expect(await giveUp.record(second, FAIL)).toBe('failed');
    expect(await giveUp.record(second, FAIL)).toBe('stale');
    const audits = await h.db.orm.em.fork().find(AuditEvent, { action: 'webhook.disabled' });
    expect(audits.filter((a) => a.details?.webhook_id === on.id)).toHaveLength(1);
  });

  it('changes nothing once the claim was lost (a later attempt holds it)', async () => {
    const [stolen] = await queue().claim(1, later(LEASE + 1_000));
    expect(stolen?.attempt).toBe(2);
    expect(await queue().record(claimed, OK)).toBe('stale');
    expect(await queue().record(claimed, FAIL)).toBe('stale');
    expect(await row(claimed.id)).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: null });
  });

  it('gives a claim back uncounted on release', async () => {
    await queue().release(claimed);
    expect(await row(claimed.id)).toMatchObject({ attempts: 0, leaseUntil: null, status: 'pending' });
    expect((await queue().claim(1))[0]).toMatchObject({ id: claimed.id, attempt: 1 });
  });

  it('spreads waits by the jitter around the schedule', () => {
    const low = new WebhookQueue(h.db.orm, { leaseMs: LEASE, schedule: SCHEDULE, random: () => 0 });
    const high = new WebhookQueue(h.db.orm, { leaseMs: LEASE, schedule: SCHEDULE, random: () => 1 });
    expect([low.delayAfter(1), high.delayAfter(1), low.delayAfter(3)]).toEqual([800, 1_200, null]);
  });
});

describe('WebhookQueue.prune', () => {
  it('deletes finished deliveries older than the cut-off, never pending ones', async () => {
    const on = await endpoint();
    const [old, pending] = await enqueue(on.id, 2);
    await h.db.orm.em.fork().nativeUpdate(WebhookDelivery, { id: old!.id }, { status: 'delivered' });
    expect(await queue().prune(later(1_000))).toBe(1);
    expect(await queue().prune(later(1_000))).toBe(0);
    expect((await row(pending!.id)).status).toBe('pending');
  });
});
