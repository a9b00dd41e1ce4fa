import type { AttemptOut, DeliveryOut, WebhookOut } from '@roster/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody } from '../test/accounts.js';
import { startWithRoot, type AdminSession } from '../test/admin.js';
import { until } from '../test/chaos.js';
import { startReceiver, type Receiver } from '../test/webhook-receiver.js';

// GET /admin/webhooks/{id}/deliveries/{delivery_id}/attempts against a real receiver: every attempt the
// dispatcher made, as Stripe or Svix show them — a 503 with its body, a timeout, a reset, then a 200 — newest
// first, beside the delivery's last answer, and again after a retry by hand. With WEBHOOK_RETRY_SCHEDULE of four
// short waits: five attempts at most.

let s: AdminSession;
let receiver: Receiver;
const TIMEOUT_MS = 600;

beforeAll(async () => {
  receiver = await startReceiver();
  s = await startWithRoot({
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_POLL_MS: '100',
  });
}, 60_000);
afterAll(async () => {
  await s?.server.close();
  await receiver?.close();
});

type Page = { items: AttemptOut[]; next_cursor: string | null };
const attemptsPath = (id: number, deliveryId: string) =>
  `/admin/webhooks/${id}/deliveries/${deliveryId}/attempts`;

async function attempts(id: number, deliveryId: string, query = ''): Promise<Page> {
  const res = await s.req<Page>('GET', `${attemptsPath(id, deliveryId)}${query}`, { token: s.rootToken });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function delivered(id: number, deliveryId: string): Promise<DeliveryOut> {
  let found: DeliveryOut | undefined;
  await until(`delivery ${deliveryId} delivered`, async () => {
    const res = await s.req<{ items: DeliveryOut[] }>('GET', `/admin/webhooks/${id}/deliveries`, {
      token: s.rootToken,
    });
    found = res.body.items.find((d) => d.id === deliveryId);
    return found?.status === 'delivered';
  });
  return found!;
}

describe('GET /admin/webhooks/{id}/deliveries/{delivery_id}/attempts', () => {
  it('shows each attempt: status and body, a timeout, a reset, then the 200 that delivered it', async () => {
    const created = await s.req<WebhookOut>('POST', '/admin/webhooks', {
      token: s.rootToken,
      json: { url: receiver.url, events: ['user.created'] },
    });
    const hook = created.body;
    receiver.reply = (_hook, n) =>
      n === 1
        ? {
            status: 503,
            body: '{"error":"down for maintenance"}',
            headers: { 'content-type': 'application/json' },
          }
        : n === 2
          ? 'hang'
          : n === 3
            ? 'reset'
            : { status: 200, body: 'thanks' };
    const sent = await s.req<DeliveryOut>('POST', `/admin/webhooks/${hook.id}/test`, { token: s.rootToken });
    const done = await delivered(hook.id, sent.body.id);
    expect(done).toMatchObject({ attempts: 4, last_status_code: 200, last_error: null });

    const page = await attempts(hook.id, sent.body.id);
    expect(page.next_cursor).toBeNull();
    const [fourth, third, second, first] = page.items;
    expect(page.items.map((a) => a.number)).toEqual([4, 3, 2, 1]);
    expect(first).toMatchObject({
      status_code: 503,
      succeeded: false,
      error_kind: null,
      response_body: '{"error":"down for maintenance"}',
    });
    expect(second).toMatchObject({ status_code: null, error_kind: 'timeout', response_body: null });
    expect(second!.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(third).toMatchObject({ status_code: null, error_kind: 'connection_reset', succeeded: false });
    expect(fourth).toMatchObject({ status_code: 200, succeeded: true, response_body: 'thanks' });
    // The claim (last_attempt_at) comes just before the request starts.
    const claimedAt = Date.parse(done.last_attempt_at!);
    expect(Date.parse(fourth!.started_at) - claimedAt).toBeGreaterThanOrEqual(0);
    expect(Date.parse(fourth!.started_at) - claimedAt).toBeLessThan(1_000);
    expect(fourth!.duration_ms).toBe(done.last_duration_ms);
    const started = page.items.map((a) => Date.parse(a.started_at));
    expect(started).toEqual([...started].sort((a, b) => b - a));

    // Pages, then a retry by hand: the delivery counts afresh, its attempts number on.
    const first2 = await attempts(hook.id, sent.body.id, '?limit=2');
    expect(first2.items.map((a) => a.number)).toEqual([4, 3]);
    const next = await attempts(hook.id, sent.body.id, `?limit=2&cursor=${first2.next_cursor}`);
    expect(next).toMatchObject({ items: [{ number: 2 }, { number: 1 }], next_cursor: null });
    const retry = `/admin/webhooks/${hook.id}/deliveries/${sent.body.id}/retry`;
    expect((await s.req('POST', retry, { token: s.rootToken })).status).toBe(202);
    expect(await delivered(hook.id, sent.body.id)).toMatchObject({ attempts: 1 });
    expect((await attempts(hook.id, sent.body.id, '?limit=1')).items).toMatchObject([
      { number: 5, status_code: 200 },
    ]);
  });

  it('answers 404 for an unknown endpoint or delivery, and 422 for a bad id or cursor', async () => {
    const created = await s.req<WebhookOut>('POST', '/admin/webhooks', {
      token: s.rootToken,
      json: { url: receiver.url, events: ['user.deleted'] },
    });
    const id = created.body.id;
    const unknown = await s.req('GET', attemptsPath(id, 'msg_AAAAAAAAAAAAAAAAAAAAAA'), {
      token: s.rootToken,
    });
    expect(unknown.status).toBe(404);
    expectErrorBody(unknown.body, 'WEBHOOK_DELIVERY_NOT_FOUND');
    const gone = await s.req('GET', attemptsPath(987_654, 'msg_AAAAAAAAAAAAAAAAAAAAAA'), {
      token: s.rootToken,
    });
    expect(gone.status).toBe(404);
    expectErrorBody(gone.body, 'WEBHOOK_NOT_FOUND');
    const bad = await s.req('GET', attemptsPath(id, 'nope'), { token: s.rootToken });
    expect(bad.status).toBe(422);
    expectErrorBody(bad.body, 'VALIDATION_ERROR', 422);
    const sent = await s.req<DeliveryOut>('POST', `/admin/webhooks/${id}/test`, { token: s.rootToken });
    const cursor = await s.req('GET', `${attemptsPath(id, sent.body.id)}?cursor=nonsense`, {
      token: s.rootToken,
    });
    expect(cursor.status).toBe(422);
    expectErrorBody(cursor.body, 'INVALID_CURSOR');
    const post = await s.req('POST', attemptsPath(id, sent.body.id), { token: s.rootToken });
    expect(post.status).toBe(405);
  });
});
