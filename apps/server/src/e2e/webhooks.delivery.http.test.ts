import type { AttemptOut, DeliveryOut, WebhookOut } from '@roster/api';
import { WebhookEndpoint } from '@roster/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectErrorBody, registerAndLogin } from '../test/accounts.js';
import { auditLog, ROOT_ENV, startWithRoot, type AdminSession } from '../test/admin.js';
import { until } from '../test/chaos.js';
import { startReceiver, verified, type Receiver } from '../test/webhook-receiver.js';

// How deliveries behave against a real receiver: retries with the same webhook-id, giving up after a (tiny)
// schedule and disabling the endpoint, redirects not followed, a slow endpoint that never slows requests, and
// SSRF refused at creation and again at delivery. With WEBHOOK_RETRY_SCHEDULE=200ms,400ms: three attempts.

let s: AdminSession; // WEBHOOK_ALLOW_PRIVATE=true
let strict: AdminSession; // private addresses refused
let receiver: Receiver;
const TIMEOUT_MS = 800;

beforeAll(async () => {
  receiver = await startReceiver();
  const webhooks = {
    WEBHOOK_RETRY_SCHEDULE: '200ms,400ms',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_LEASE_MS: '5000',
    WEBHOOK_POLL_MS: '100',
  };
  [s, strict] = await Promise.all([
    startWithRoot({ ...webhooks, WEBHOOK_ALLOW_PRIVATE: 'true' }),
    startWithRoot({ ...ROOT_ENV, ...webhooks }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([s?.server.close(), strict?.server.close()]);
  await receiver?.close();
});
beforeEach(() => {
  receiver.reply = () => ({ status: 200 });
});

async function endpoint(on: AdminSession, url: string, events = ['user.created']) {
  const res = await on.req<WebhookOut & { secret: string }>('POST', '/admin/webhooks', {
    token: on.rootToken,
    json: { url, events },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function sendTest(on: AdminSession, id: number): Promise<DeliveryOut> {
  const res = await on.req<DeliveryOut>('POST', `/admin/webhooks/${id}/test`, { token: on.rootToken });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body;
}

async function delivery(on: AdminSession, id: number, deliveryId: string): Promise<DeliveryOut> {
  const res = await on.req<{ items: DeliveryOut[] }>('GET', `/admin/webhooks/${id}/deliveries?limit=100`, {
    token: on.rootToken,
  });
  return res.body.items.find((d) => d.id === deliveryId)!;
}

async function settled(on: AdminSession, id: number, deliveryId: string, status: DeliveryOut['status']) {
  let last: DeliveryOut | undefined;
  await until(`delivery ${deliveryId} ${status}`, async () => {
    last = await delivery(on, id, deliveryId);
    return last?.status === status;
  });
  return last!;
}

const attemptsOf = (deliveryId: string) =>
  receiver.received.filter((h) => h.headers['webhook-id'] === deliveryId);

describe('retries', () => {
  it('retries a failing delivery with the same webhook-id until it is accepted', async () => {
    const hook = await endpoint(s, receiver.url);
    receiver.reply = (_hook, n) => (n === 1 ? { status: 500 } : n === 2 ? 'hang' : { status: 204 });
    const sent = await sendTest(s, hook.id);
    const done = await settled(s, hook.id, sent.id, 'delivered');
    expect(done).toMatchObject({
      attempts: 3,
      last_status_code: 204,
      last_error: null,
      next_attempt_at: null,
    });
    const attempts = attemptsOf(sent.id);
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts)
      expect(verified(attempt, hook.secret)).toMatchObject({ type: 'webhook.test' });
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
  });

  it('gives up after the schedule: the delivery fails, the endpoint is disabled and that is audited', async () => {
    const hook = await endpoint(s, receiver.url);
    receiver.reply = () => ({ status: 503 });
    const sent = await sendTest(s, hook.id);
    const failed = await settled(s, hook.id, sent.id, 'failed');
    expect(failed).toMatchObject({
      attempts: 3,
      last_status_code: 503,
      last_error: 'HTTP 503',
      next_attempt_at: null,
    });
    expect(attemptsOf(sent.id)).toHaveLength(3);
    const after = await s.req<WebhookOut>('GET', `/admin/webhooks/${hook.id}`, { token: s.rootToken });
    expect(after.body).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    const [audited] = await auditLog(s, { action: 'webhook.disabled' });
    expect(audited).toMatchObject({ actor_id: null, details: { webhook_id: hook.id, delivery_id: sent.id } });
    // Nothing more is sent to it; retrying waits until an admin enables it again.
    const retry = `/admin/webhooks/${hook.id}/deliveries/${sent.id}/retry`;
    const refused = await s.req('POST', retry, { token: s.rootToken });
    expect(refused.status).toBe(409);
    expectErrorBody(refused.body, 'WEBHOOK_DISABLED');
    await s.req('PATCH', `/admin/webhooks/${hook.id}`, { token: s.rootToken, json: { enabled: true } });
    receiver.reply = () => ({ status: 200 });
    const again = await s.req<DeliveryOut>('POST', retry, { token: s.rootToken });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: sent.id, status: 'pending', attempts: 0 });
    expect(await settled(s, hook.id, sent.id, 'delivered')).toMatchObject({
      attempts: 1,
      last_status_code: 200,
    });
    expect(attemptsOf(sent.id)).toHaveLength(4);
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const hook = await endpoint(s, `${receiver.url}/moved`);
    receiver.reply = (h) =>
      h.path.endsWith('/moved') ? { status: 302, headers: { location: receiver.url } } : { status: 200 };
    const sent = await sendTest(s, hook.id);
    const failed = await settled(s, hook.id, sent.id, 'failed');
    expect(failed).toMatchObject({ last_status_code: 302, last_error: 'redirect (HTTP 302) not followed' });
    expect(attemptsOf(sent.id).every((h) => h.path.endsWith('/moved'))).toBe(true);
  });
});

describe('a slow endpoint', () => {
  it('times out without slowing the request that caused the event', async () => {
    const hook = await endpoint(s, receiver.url, ['user.updated']);
    receiver.reply = () => 'hang';
    const { token, user } = await registerAndLogin(s.server, 'slowpoke');
    const started = Date.now();
    const res = await s.req('PATCH', '/users/me', { token, json: { bio: 'quick' } });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    const arrived = await receiver.waitFor(
      (h) => h.json.type === 'user.updated' && h.json.data.id === user.id,
    );
    const id = arrived.headers['webhook-id']!;
    const failed = await settled(s, hook.id, id, 'failed');
    expect(failed.last_error).toBe(`timed out after ${TIMEOUT_MS} ms`);
    expect(failed.last_duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });
});

describe('SSRF', () => {
  it.each([
    'http://127.0.0.1:8000/hook',
    'http://localhost:8000/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[::1]/',
  ])('refuses %s with 422 without WEBHOOK_ALLOW_PRIVATE', async (url) => {
    const res = await strict.req('POST', '/admin/webhooks', {
      token: strict.rootToken,
      json: { url, events: ['user.created'] },
    });
    expect(res.status).toBe(422);
    expectErrorBody(res.body, 'WEBHOOK_URL_NOT_ALLOWED');
  });

  it.each(['127.0.0.1', 'localhost'])(
    'checks again at delivery: an endpoint now pointing at %s is never reached',
    async (host) => {
      const hook = await endpoint(strict, 'http://93.184.215.14/hook');
      // What a DNS change (rebinding) or a row edited behind the API would do.
      await strict.server.running.db.orm.em
        .fork()
        .nativeUpdate(WebhookEndpoint, { id: hook.id }, { url: receiver.url.replace('127.0.0.1', host) });
      const sent = await sendTest(strict, hook.id);
      const failed = await settled(strict, hook.id, sent.id, 'failed');
      expect(failed.last_error).toMatch(/127\.0\.0\.1.*(may not reach|webhooks may not)/);
      expect(failed.last_status_code).toBeNull();
      expect(attemptsOf(sent.id)).toEqual([]);
      // Each attempt says why by kind, never with the address.
      const kept = await strict.req<{ items: AttemptOut[] }>(
        'GET',
        `/admin/webhooks/${hook.id}/deliveries/${sent.id}/attempts`,
        { token: strict.rootToken },
      );
      expect(kept.body.items.map((a) => [a.number, a.status_code, a.error_kind])).toEqual([
        [3, null, 'address_not_allowed'],
        [2, null, 'address_not_allowed'],
        [1, null, 'address_not_allowed'],
      ]);
    },
  );
});
