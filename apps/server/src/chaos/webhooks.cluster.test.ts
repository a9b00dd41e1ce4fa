import type { DeliveryOut, WebhookOut } from '@roster/api';
import { testDatabaseKind } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, ROOT_ENV } from '../test/admin.js';
import { attempt, loginToken, until } from '../test/chaos.js';
import { startCluster, type Cluster } from '../test/cluster.js';
import { startReceiver, verified, type Receiver } from '../test/webhook-receiver.js';

// Three instances on one PostgreSQL database, every one of them dispatching and polling often: each event is
// claimed by exactly one of them (FOR UPDATE SKIP LOCKED), so the receiver gets each delivery once. PostgreSQL
// only: a SQLite file has one server process (concurrent claims on SQLite are in webhook-queue.test.ts).

const EVENTS = 24;

const ON_POSTGRES = testDatabaseKind() === 'postgresql';

describe.skipIf(!ON_POSTGRES)('webhooks on several instances (PostgreSQL only)', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let receiver: Receiver;
  afterAll(async () => {
    await cluster?.close();
    await receiver?.close();
  });

  it('sends each delivery once, whichever instance wrote it', async () => {
    receiver = await startReceiver();
    receiver.reply = () => ({ status: 200, delayMs: 20 });
    cluster = await startCluster(
      3,
      { ...ROOT_ENV, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_CONCURRENCY: '4' },
      { redis: false },
    );
    const [a] = cluster.instances;
    const root = await loginToken(a!.url, ROOT);
    const created = await attempt(a!.url, 'POST', '/admin/webhooks', {
      token: root!,
      json: { url: receiver.url, events: ['user.created'] },
    });
    expect(created.status).toBe(201);
    const hook = created.body as unknown as WebhookOut & { secret: string };

    await Promise.all(
      Array.from({ length: EVENTS }, async (_, i) => {
        const on = cluster.instances[i % cluster.instances.length]!;
        const name = `cluster_hook_${i}`;
        const res = await attempt(on.url, 'POST', '/auth/register', {
          json: { email: `${name}@example.com`, username: name, password: 'correct horse battery' },
        });
        expect(res.status).toBe(201);
      }),
    );
    await until(`${EVENTS} deliveries received`, async () => receiver.received.length >= EVENTS);
    let items: DeliveryOut[] = [];
    await until('every delivery recorded as delivered', async () => {
      const page = await attempt(a!.url, 'GET', `/admin/webhooks/${hook.id}/deliveries?limit=100`, {
        token: root!,
      });
      items = (page.body?.items ?? []) as DeliveryOut[];
      return items.length === EVENTS && items.every((d) => d.status === 'delivered');
    });
    const ids = receiver.received.map((h) => h.headers['webhook-id']);
    expect(ids).toHaveLength(EVENTS);
    expect(new Set(ids).size).toBe(EVENTS);
    expect(items.every((d) => d.attempts === 1)).toBe(true);
    for (const hookReceived of receiver.received) verified(hookReceived, hook.secret);
  });
});
