import { newDeliveryId, webhookOutbox, WebhookQueue, type ClaimedDelivery } from '@roster/api';
import {
  closeDatabase,
  migrateDatabase,
  openDatabase,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookEndpoint,
  type Database,
} from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sleep, until } from '../test/chaos.js';
import { capturedLogger } from '../test/logs.js';
import { startReceiver, type Receiver } from '../test/webhook-receiver.js';
import { WebhookDispatcher, type DispatcherOptions } from './webhook-dispatcher.js';
import { sendWebhook } from './webhook-sender.js';

// The dispatcher on its own, over a real database and a real receiver: bounded concurrency, a clean stop that
// hands claims back, claim failures that wait for the next poll.

let testDb: TestDatabase;
let db: Database;
let receiver: Receiver;
let endpointId: number;
const OPTIONS: DispatcherOptions = {
  concurrency: 2,
  pollMs: 50,
  timeoutMs: 5_000,
  allowPrivate: true,
  retentionDays: 30,
};
const queue = () => new WebhookQueue(db.orm, { leaseMs: 30_000, schedule: [100] });

async function enqueue(count: number): Promise<string[]> {
  const em = db.orm.em.fork();
  const ids = Array.from({ length: count }, () => newDeliveryId());
  for (const id of ids) {
    em.create(WebhookDelivery, {
      id,
      endpointId,
      eventType: 'webhook.test',
      payload: JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: {} }),
      nextAttemptAt: new Date(),
      createdAt: new Date(),
    });
  }
  await em.flush();
  return ids;
}

const rows = () => db.orm.em.fork().find(WebhookDelivery, {}, { orderBy: { id: 'asc' } });
const attemptRows = () =>
  db.orm.em.fork().find(WebhookDeliveryAttempt, {}, { orderBy: { deliveryId: 'asc', number: 'asc' } });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.url);
  await migrateDatabase(db);
  receiver = await startReceiver();
  const em = db.orm.em.fork();
  const endpoint = em.create(WebhookEndpoint, {
    url: receiver.url,
    events: ['user.created'],
    secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  });
  await em.flush();
  endpointId = endpoint.id;
});
afterAll(async () => {
  await receiver?.close();
  await closeDatabase(db);
  await testDb.drop();
});
beforeEach(async () => {
  await db.orm.em.fork().nativeDelete(WebhookDelivery, {});
  receiver.received.length = 0;
  receiver.reply = () => ({ status: 200 });
});

describe('WebhookDispatcher', () => {
  it('keeps at most `concurrency` attempts in flight, and sends the rest as slots free up', async () => {
    const { logger } = capturedLogger();
    let open = 0;
    let most = 0;
    const slow = async (delivery: ClaimedDelivery, opts: Parameters<typeof sendWebhook>[1]) => {
      most = Math.max(most, ++open);
      await sleep(60);
      open -= 1;
      return sendWebhook(delivery, opts);
    };
    const dispatcher = new WebhookDispatcher(
      queue(),
      webhookOutbox(db.orm),
      OPTIONS,
      logger,
      undefined,
      slow,
    );
    const ids = await enqueue(5);
    dispatcher.start();
    try {
      await until('all five delivered', async () => (await rows()).every((r) => r.status === 'delivered'));
    } finally {
      await dispatcher.stop();
    }
    expect(most).toBe(2);
    expect(receiver.received.map((r) => r.headers['webhook-id']).sort()).toEqual(ids.sort());
  });

  it('on stop aborts the attempts in flight and hands their claims back uncounted', async () => {
    const { logger } = capturedLogger();
    receiver.reply = () => 'hang';
    const dispatcher = new WebhookDispatcher(queue(), webhookOutbox(db.orm), OPTIONS, logger);
    await enqueue(1);
    dispatcher.start();
    await receiver.waitFor(() => true);
    expect((await rows())[0]).toMatchObject({ attempts: 1, leaseUntil: expect.any(Date) });
    const started = Date.now();
    await dispatcher.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null });
    expect(await attemptRows()).toEqual([]); // an attempt given back is not one
    dispatcher.wake(); // stopped: nothing happens
    await sleep(100);
    expect(receiver.received).toHaveLength(1);
  });

  it('logs a failed claim and tries again at the next poll', async () => {
    const { logger, logs } = capturedLogger();
    const real = queue();
    let failures = 1;
    const flaky = Object.assign(Object.create(real) as WebhookQueue, {
      claim: (limit: number) =>
        failures-- > 0 ? Promise.reject(new Error('database away')) : real.claim(limit),
    });
    const dispatcher = new WebhookDispatcher(flaky, webhookOutbox(db.orm), OPTIONS, logger);
    await enqueue(1);
    dispatcher.start();
    try {
      await until('delivered after the failed claim', async () => (await rows())[0]?.status === 'delivered');
    } finally {
      await dispatcher.stop();
    }
    expect(logs.some((l) => l.msg === 'webhooks: could not claim deliveries')).toBe(true);
  });

  it('sends nothing with concurrency 0', async () => {
    const { logger } = capturedLogger();
    const dispatcher = new WebhookDispatcher(
      queue(),
      webhookOutbox(db.orm),
      { ...OPTIONS, concurrency: 0 },
      logger,
    );
    await enqueue(1);
    dispatcher.start();
    dispatcher.wake();
    await sleep(200);
    await dispatcher.stop();
    expect((await rows())[0]).toMatchObject({ attempts: 0, status: 'pending' });
  });

  it('logs retries and giving up, and keeps each attempt', async () => {
    const { logger, logs } = capturedLogger();
    receiver.reply = () => ({ status: 500, body: 'database away' });
    const dispatcher = new WebhookDispatcher(queue(), webhookOutbox(db.orm), OPTIONS, logger);
    await enqueue(1);
    dispatcher.start();
    try {
      await until('given up', async () => (await rows())[0]?.status === 'failed');
    } finally {
      await dispatcher.stop();
    }
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'webhook attempt failed; will retry',
        'webhook endpoint disabled: retries ran out',
      ]),
    );
    const [delivery] = await rows();
    expect(await attemptRows()).toEqual([
      expect.objectContaining({ deliveryId: delivery!.id, number: 1, statusCode: 500, errorKind: null }),
      expect.objectContaining({ deliveryId: delivery!.id, number: 2, responseBody: 'database away' }),
    ]);
    await db.orm.em
      .fork()
      .nativeUpdate(WebhookEndpoint, { id: endpointId }, { enabled: true, disabledReason: null });
  });
});
