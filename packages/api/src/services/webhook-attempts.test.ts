import {
  dialectOf,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookEndpoint,
  type DeliveryStatus,
} from '@roster/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../test/harness.js';
import { excerpt, type AttemptResult } from './webhook-attempts.js';
import { newDeliveryId, webhookPayload } from './webhook-events.js';
import { WebhookQueue, type ClaimedDelivery } from './webhook-queue.js';

// Every attempt of a delivery gets its row, written by the transaction that records the attempt's outcome on the
// delivery: numbered on across retries by hand, never for a lost claim, never without the outcome, pruned with
// its delivery.

let h: Harness;
const SCHEDULE = [1_000, 60_000];
const queue = () => new WebhookQueue(h.db.orm, { leaseMs: 30_000, schedule: SCHEDULE, random: () => 0.5 });
const later = (ms: number) => new Date(Date.now() + ms);
const STARTED = new Date('2026-01-31T12:00:00.250Z');
const answer = (statusCode: number, responseBody: string | null = null): AttemptResult => ({
  ok: statusCode >= 200 && statusCode < 300,
  startedAt: STARTED,
  statusCode,
  durationMs: 42,
  error: statusCode < 300 ? null : `HTTP ${statusCode}`,
  errorKind: null,
  responseBody,
});
const TIMEOUT: AttemptResult = {
  ok: false,
  startedAt: STARTED,
  statusCode: null,
  durationMs: 10_000,
  error: 'timed out after 10000 ms',
  errorKind: 'timeout',
  responseBody: null,
};

let endpointId: number;
let claimed: ClaimedDelivery;

const attempts = (deliveryId: string) =>
  h.db.orm.em.fork().find(WebhookDeliveryAttempt, { deliveryId }, { orderBy: { number: 'asc' } });
const delivery = (id: string) => h.db.orm.em.fork().findOneOrFail(WebhookDelivery, { id });
/** The next claim of the delivery, once its wait (or lease) is over. */
const claimAgain = async (afterMs: number) =>
  ((await queue().claim(1, later(afterMs))) as [ClaimedDelivery])[0];

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  const em = h.db.orm.em.fork();
  await em.nativeDelete(WebhookDelivery, {});
  await em.nativeDelete(WebhookEndpoint, {});
  const endpoint = em.create(WebhookEndpoint, {
    url: 'https://hooks.example.com/x',
    events: ['user.created'],
    secret: 'whsec_Y3VycmVudA==',
  });
  await em.flush();
  endpointId = endpoint.id;
  em.create(WebhookDelivery, {
    id: newDeliveryId(),
    endpointId,
    eventType: 'user.created',
    payload: webhookPayload('user.created', new Date(), { id: 1 }),
    nextAttemptAt: new Date(),
    createdAt: new Date(),
  });
  await em.flush();
  [claimed] = (await queue().claim(1)) as [ClaimedDelivery];
});

describe('WebhookQueue.record keeps every attempt', () => {
  it('writes each attempt beside the delivery’s last one: a timeout, a 503 with its body, then a 2xx', async () => {
    expect(await queue().record(claimed, TIMEOUT)).toBe('retrying');
    const second = await claimAgain(SCHEDULE[0]! + 1_000);
    expect(await queue().record(second, answer(503, '{"error":"maintenance"}'))).toBe('retrying');
    const third = await claimAgain(SCHEDULE[1]! + 5_000);
    expect(await queue().record(third, answer(200, 'ok'))).toBe('delivered');

    expect((await attempts(claimed.id)).map((a) => ({ ...a, id: 0 }))).toEqual([
      {
        id: 0,
        deliveryId: claimed.id,
        number: 1,
        startedAt: STARTED,
        durationMs: 10_000,
        statusCode: null,
        errorKind: 'timeout',
        responseBody: null,
      },
      expect.objectContaining({
        number: 2,
        statusCode: 503,
        errorKind: null,
        responseBody: '{"error":"maintenance"}',
      }),
      expect.objectContaining({ number: 3, statusCode: 200, durationMs: 42, responseBody: 'ok' }),
    ]);
    // The delivery's own fields still tell the last attempt.
    expect(await delivery(claimed.id)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 200,
      lastDurationMs: 42,
      lastError: null,
    });
  });

  it('keeps numbering after a retry by hand restarted the delivery’s attempts', async () => {
    const giveUp = new WebhookQueue(h.db.orm, { leaseMs: 30_000, schedule: [] });
    expect(await giveUp.record(claimed, answer(500))).toBe('failed');
    // What an admin does: enable the endpoint again, and retry (routers/webhooks.attempts.test.ts calls it).
    const em = h.db.orm.em.fork();
    await em.nativeUpdate(WebhookEndpoint, { id: endpointId }, { enabled: true, disabledReason: null });
    await em.nativeUpdate(
      WebhookDelivery,
      { id: claimed.id },
      { status: 'pending', attempts: 0, nextAttemptAt: new Date() },
    );
    const retried = ((await queue().claim(1)) as [ClaimedDelivery])[0];
    expect(retried.attempt).toBe(1);
    expect(await queue().record(retried, answer(204))).toBe('delivered');
    expect((await attempts(claimed.id)).map((a) => [a.number, a.statusCode])).toEqual([
      [1, 500],
      [2, 204],
    ]);
  });

  it('writes nothing for a claim that was lost: only the delivery counts an attempt that died', async () => {
    const taken = await claimAgain(30_000 + 1_000);
    expect(await queue().record(claimed, answer(200))).toBe('stale');
    expect(await attempts(claimed.id)).toEqual([]);
    expect(await queue().record(taken, answer(200))).toBe('delivered');
    expect((await attempts(claimed.id)).map((a) => a.number)).toEqual([1]);
    expect((await delivery(claimed.id)).attempts).toBe(2);
  });

  it('bounds the excerpt, and keeps no body without an answer nor a kind with one', async () => {
    const long = `${'x'.repeat(499)}😀 and more`;
    expect(await queue().record(claimed, { ...answer(502, long), errorKind: 'network' })).toBe('retrying');
    const second = await claimAgain(SCHEDULE[0]! + 1_000);
    expect(await queue().record(second, { ...TIMEOUT, responseBody: 'partial', errorKind: null })).toBe(
      'retrying',
    );
    const [first, last] = await attempts(claimed.id);
    expect(first).toMatchObject({ statusCode: 502, errorKind: null, responseBody: 'x'.repeat(499) });
    expect(last).toMatchObject({ statusCode: null, errorKind: 'network', responseBody: null });
  });

  it('records the outcome and the attempt together or not at all', async () => {
    const sql = h.db.orm.em.getConnection();
    const postgres = dialectOf(h.db.orm.em) === 'postgresql';
    // The database refuses the attempt's row: the delivery must stay as the claim left it.
    if (postgres) {
      await sql.execute(
        `create function refuse_attempt() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`,
      );
      await sql.execute(
        'create trigger refuse_attempt before insert on webhook_delivery_attempts for each row execute function refuse_attempt()',
      );
    } else {
      await sql.execute(
        "create trigger refuse_attempt before insert on webhook_delivery_attempts begin select raise(abort, 'refused'); end",
      );
    }
    try {
      await expect(queue().record(claimed, answer(200))).rejects.toThrow(/refused/);
    } finally {
      await sql.execute('drop trigger refuse_attempt' + (postgres ? ' on webhook_delivery_attempts' : ''));
      if (postgres) await sql.execute('drop function refuse_attempt()');
    }
    expect(await delivery(claimed.id)).toMatchObject({
      status: 'pending' satisfies DeliveryStatus,
      attempts: 1,
      leaseUntil: expect.any(Date),
      lastStatusCode: null,
      deliveredAt: null,
    });
    expect(await attempts(claimed.id)).toEqual([]);
    // The claim still holds: the same attempt is recorded once the database takes it.
    expect(await queue().record(claimed, answer(200))).toBe('delivered');
    expect(await attempts(claimed.id)).toHaveLength(1);
  });

  it('prunes attempts with their delivery', async () => {
    expect(await queue().record(claimed, answer(204))).toBe('delivered');
    expect(await attempts(claimed.id)).toHaveLength(1);
    expect(await queue().prune(later(1_000))).toBe(1);
    expect(await h.db.orm.em.fork().count(WebhookDeliveryAttempt, {})).toBe(0);
  });
});

describe('excerpt', () => {
  it('keeps at most the limit, never half a character, and no control characters', () => {
    expect(excerpt(null)).toBeNull();
    expect(excerpt('')).toBeNull();
    expect(excerpt('short')).toBe('short');
    expect(excerpt('abcdef', 4)).toBe('abcd');
    expect(excerpt('abc😀', 4)).toBe('abc');
    expect(excerpt('ab😀', 4)).toBe('ab😀');
    expect(excerpt('a\u0000b\u001b[31mc\td\r\n')).toBe('a\ufffdb\ufffd[31mc\td\r\n');
    expect(excerpt('é'.repeat(600))).toHaveLength(500);
  });
});
