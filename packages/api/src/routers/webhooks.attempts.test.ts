import { WebhookDeliveryAttempt } from '@roster/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptResult } from '../services/webhook-attempts.js';
import { WebhookQueue, type ClaimedDelivery } from '../services/webhook-queue.js';
import { seededAccount } from '../test/admin.js';
import { createHarness, errorCodeOf, type Account, type Harness } from '../test/harness.js';

// admin.webhooks.attempts: every attempt of a delivery, as the dispatcher's queue recorded them (no HTTP here:
// the results are given), newest first in keyset pages, numbered on across a retry by hand; for admins only.

let h: Harness;
let boss: Account;
let pleb: Account;
const hooks = () => h.caller(boss.token).admin.webhooks;
const PUBLIC_URL = 'http://93.184.215.14/hook';
const ATTEMPT_KEYS = [
  'duration_ms',
  'error_kind',
  'number',
  'response_body',
  'started_at',
  'status_code',
  'succeeded',
];
const STARTED = new Date('2026-01-31T12:00:00.000Z');
const result = (statusCode: number | null, responseBody: string | null = null): AttemptResult => ({
  ok: statusCode !== null && statusCode < 300,
  startedAt: STARTED,
  statusCode,
  durationMs: statusCode === null ? 10_000 : 35,
  error: statusCode === null ? 'timed out after 10000 ms' : statusCode < 300 ? null : `HTTP ${statusCode}`,
  errorKind: statusCode === null ? 'timeout' : null,
  responseBody,
});

/** Claims the delivery (when due; `schedule` decides when the retries run out) and records `outcome`. */
async function attempt(outcome: AttemptResult, schedule: number[] = [0, 0, 0]): Promise<string> {
  const queue = new WebhookQueue(h.db.orm, { leaseMs: 30_000, schedule, jitter: 0 });
  const [claimed] = (await queue.claim(1, new Date(Date.now() + 1_000))) as [ClaimedDelivery];
  return queue.record(claimed, outcome);
}

beforeAll(async () => {
  h = await createHarness();
  boss = await seededAccount(h, 'boss');
  pleb = await seededAccount(h, 'pleb', 'user');
});
afterAll(() => h.close());

describe('admin.webhooks.attempts', () => {
  it('answers every attempt, newest first, in pages, beside the delivery’s last answer', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const sent = await hooks().test({ id });
    expect(await hooks().attempts({ id, delivery_id: sent.id })).toEqual({ items: [], next_cursor: null });
    expect(await attempt(result(null))).toBe('retrying');
    expect(await attempt(result(503, 'maintenance\u0000'))).toBe('retrying');
    expect(await attempt(result(202, '{"received":true}'))).toBe('delivered');

    const all = await hooks().attempts({ id, delivery_id: sent.id });
    expect(all.next_cursor).toBeNull();
    for (const a of all.items) expect(Object.keys(a).sort()).toEqual(ATTEMPT_KEYS);
    expect(all.items).toEqual([
      {
        number: 3,
        started_at: STARTED.toISOString(),
        duration_ms: 35,
        status_code: 202,
        succeeded: true,
        error_kind: null,
        response_body: '{"received":true}',
      },
      expect.objectContaining({
        number: 2,
        status_code: 503,
        succeeded: false,
        response_body: 'maintenance\ufffd',
      }),
      {
        number: 1,
        started_at: STARTED.toISOString(),
        duration_ms: 10_000,
        status_code: null,
        succeeded: false,
        error_kind: 'timeout',
        response_body: null,
      },
    ]);
    const [delivery] = (await hooks().deliveries({ id })).items;
    expect(delivery).toMatchObject({ attempts: 3, last_status_code: 202, last_duration_ms: 35 });

    const first = await hooks().attempts({ id, delivery_id: sent.id, limit: 2 });
    expect(first.items.map((a) => a.number)).toEqual([3, 2]);
    const rest = await hooks().attempts({ id, delivery_id: sent.id, limit: 2, cursor: first.next_cursor! });
    expect(rest).toMatchObject({ items: [expect.objectContaining({ number: 1 })], next_cursor: null });
  });

  it('numbers on after a retry by hand, which restarts the delivery’s own attempts', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const sent = await hooks().test({ id });
    expect(await attempt(result(500), [])).toBe('failed');
    await hooks().update({ id, enabled: true });
    expect(await hooks().retry({ id, delivery_id: sent.id })).toMatchObject({ attempts: 0 });
    expect(await attempt(result(204))).toBe('delivered');
    const { items } = await hooks().attempts({ id, delivery_id: sent.id });
    expect(items.map((a) => [a.number, a.status_code])).toEqual([
      [2, 204],
      [1, 500],
    ]);
    expect((await hooks().deliveries({ id })).items[0]).toMatchObject({ attempts: 1 });
    // Gone with their endpoint.
    await hooks().delete({ id });
    expect(await h.db.orm.em.fork().count(WebhookDeliveryAttempt, { deliveryId: sent.id })).toBe(0);
  });

  it('refuses an unknown endpoint, a delivery of another endpoint, bad input, and anyone but admins', async () => {
    const { id } = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const other = await hooks().create({ url: PUBLIC_URL, events: ['user.created'] });
    const sent = await hooks().test({ id });
    const codeOf = (input: Parameters<ReturnType<typeof hooks>['attempts']>[0]) =>
      errorCodeOf(hooks().attempts(input));
    expect(await codeOf({ id: 987_654, delivery_id: sent.id })).toBe('WEBHOOK_NOT_FOUND');
    expect(await codeOf({ id: other.id, delivery_id: sent.id })).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
    expect(await codeOf({ id, delivery_id: 'msg_AAAAAAAAAAAAAAAAAAAAAA' })).toBe(
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
    expect(await codeOf({ id, delivery_id: sent.id, cursor: 'nonsense' })).toBe('INVALID_CURSOR');
    const zero = Buffer.from('[0]').toString('base64url');
    expect(await codeOf({ id, delivery_id: sent.id, cursor: zero })).toBe('INVALID_CURSOR');
    expect(await codeOf({ id, delivery_id: 'not-a-delivery' })).toBe('VALIDATION_ERROR');
    expect(await codeOf({ id, delivery_id: sent.id, limit: 101 })).toBe('VALIDATION_ERROR');
    const extra = { id, delivery_id: sent.id, status: 'failed' } as never;
    expect(await codeOf(extra)).toBe('VALIDATION_ERROR');
    const user = h.caller(pleb.token).admin.webhooks;
    expect(await errorCodeOf(user.attempts({ id, delivery_id: sent.id }))).toBe('FORBIDDEN');
    expect(await errorCodeOf(h.caller().admin.webhooks.attempts({ id, delivery_id: sent.id }))).toBe(
      'NOT_AUTHENTICATED',
    );
  });
});
