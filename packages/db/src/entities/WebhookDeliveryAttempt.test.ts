import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../orm.js';
import { openMigratedTestDatabase } from '../test/database.js';
import { WebhookDelivery } from './WebhookDelivery.js';
import { RESPONSE_EXCERPT_LENGTH, WebhookDeliveryAttempt } from './WebhookDeliveryAttempt.js';
import { WebhookEndpoint } from './WebhookEndpoint.js';

let db: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase());
});
afterAll(() => close());

async function delivery(id: string): Promise<WebhookDelivery> {
  const em = db.orm.em.fork();
  const endpoint = em.create(WebhookEndpoint, {
    url: 'https://hooks.example.com/x',
    events: ['user.created'],
    secret: 'whsec_c2VjcmV0',
  });
  await em.flush();
  const row = em.create(WebhookDelivery, {
    id,
    endpointId: endpoint.id,
    eventType: 'user.created',
    payload: '{}',
    nextAttemptAt: new Date(),
    createdAt: new Date(),
  });
  await em.flush();
  return row;
}

describe('webhook delivery attempts', () => {
  it('store an answer and a failure with their types, a full excerpt of any characters included', async () => {
    const { id } = await delivery('msg_attempts_types_000');
    const em = db.orm.em.fork();
    const startedAt = new Date('2026-01-31T12:00:00.123Z');
    // A full excerpt (500 UTF-16 code units) of characters of two, three and four bytes.
    const body = 'é€😀'.repeat(RESPONSE_EXCERPT_LENGTH / 4);
    expect(body).toHaveLength(RESPONSE_EXCERPT_LENGTH);
    em.create(WebhookDeliveryAttempt, {
      deliveryId: id,
      number: 1,
      startedAt,
      durationMs: 10_001,
      errorKind: 'timeout',
    });
    em.create(WebhookDeliveryAttempt, {
      deliveryId: id,
      number: 2,
      startedAt: new Date(startedAt.getTime() + 5_000),
      durationMs: 12,
      statusCode: 503,
      responseBody: body,
    });
    await em.flush();

    const read = await db.orm.em
      .fork()
      .find(WebhookDeliveryAttempt, { deliveryId: id }, { orderBy: { number: 'asc' } });
    expect(read.map((a) => ({ ...a }))).toEqual([
      {
        id: expect.any(Number),
        deliveryId: id,
        number: 1,
        startedAt,
        durationMs: 10_001,
        statusCode: null,
        errorKind: 'timeout',
        responseBody: null,
      },
      {
        id: expect.any(Number),
        deliveryId: id,
        number: 2,
        startedAt: new Date(startedAt.getTime() + 5_000),
        durationMs: 12,
        statusCode: 503,
        errorKind: null,
        responseBody: body,
      },
    ]);
  });

  it('number each delivery once: a second attempt with the same number is refused', async () => {
    const { id } = await delivery('msg_attempts_unique_00');
    const first = db.orm.em.fork();
    first.create(WebhookDeliveryAttempt, { deliveryId: id, number: 1, startedAt: new Date(), durationMs: 1 });
    await first.flush();
    const again = db.orm.em.fork();
    again.create(WebhookDeliveryAttempt, { deliveryId: id, number: 1, startedAt: new Date(), durationMs: 2 });
    await expect(again.flush()).rejects.toThrow(/unique|UNIQUE/);
    expect(await db.orm.em.fork().count(WebhookDeliveryAttempt, { deliveryId: id })).toBe(1);
  });

  it('belong to a delivery that exists, and go with it and with its endpoint (foreign keys cascade)', async () => {
    const em = db.orm.em.fork();
    em.create(WebhookDeliveryAttempt, {
      deliveryId: 'msg_nobody_here_000000',
      number: 1,
      startedAt: new Date(),
      durationMs: 1,
    });
    await expect(em.flush()).rejects.toThrow(/foreign key|FOREIGN KEY/i);

    const pruned = await delivery('msg_attempts_pruned_00');
    const deleted = await delivery('msg_attempts_endpoint0');
    const write = db.orm.em.fork();
    for (const deliveryId of [pruned.id, deleted.id]) {
      for (const number of [1, 2]) {
        write.create(WebhookDeliveryAttempt, { deliveryId, number, startedAt: new Date(), durationMs: 1 });
      }
    }
    await write.flush();
    const read = db.orm.em.fork();
    await read.nativeDelete(WebhookDelivery, { id: pruned.id });
    expect(await read.count(WebhookDeliveryAttempt, { deliveryId: pruned.id })).toBe(0);
    expect(await read.count(WebhookDeliveryAttempt, { deliveryId: deleted.id })).toBe(2);
    await read.nativeDelete(WebhookEndpoint, { id: deleted.endpointId });
    expect(await read.count(WebhookDeliveryAttempt, { deliveryId: deleted.id })).toBe(0);
  });
});
