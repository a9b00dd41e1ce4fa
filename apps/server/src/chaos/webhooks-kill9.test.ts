import type { AttemptOut, DeliveryOut, WebhookOut } from '@roster/api';
import { createTestDatabase, spawnServer, type SpawnedServer, type TestDatabase } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, ROOT_ENV } from '../test/admin.js';
import { attempt, loginToken, until } from '../test/chaos.js';
import { SERVER_MAIN } from '../test/cluster.js';
import { startReceiver, verified, type Receiver } from '../test/webhook-receiver.js';

// Chaos: kill -9 of the server in the middle of a webhook delivery. The receiver holds the first attempt open (the
// dispatcher has claimed it and is waiting for the answer) while two more events are committed behind it
// (WEBHOOK_CONCURRENCY=1: they wait their turn); then the process is killed. After a restart on the same
// database, the claim's lease runs out and every event arrives, signed, the interrupted one again under the same
// webhook-id (at least once). Runs on both legs.

const ENV = {
  ...ROOT_ENV,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_LEASE_MS: '3000',
  WEBHOOK_POLL_MS: '200',
};

describe('chaos: kill -9 during a webhook delivery', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let receiver: Receiver;
  const servers: SpawnedServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    await receiver?.close();
    await database?.drop();
  });

  it('loses no event: the interrupted and the queued ones arrive after a restart', async () => {
    database = await createTestDatabase();
    receiver = await startReceiver();
    // The first attempt of the first event never gets an answer; every other attempt is accepted.
    let held: string | undefined;
    receiver.reply = (hook, n) => {
      held ??= hook.headers['webhook-id'];
      return hook.headers['webhook-id'] === held && n === 1 ? 'hang' : { status: 200 };
    };
    const first = await spawnServer({
      script: SERVER_MAIN,
      database,
      env: { ...ENV, WEBHOOK_CONCURRENCY: '1' },
    });
    servers.push(first);
    const root = await loginToken(first.url, ROOT);
    expect(root).not.toBeNull();
    const created = await attempt(first.url, 'POST', '/admin/webhooks', {
      token: root!,
      json: { url: receiver.url, events: ['user.created'] },
    });
    expect(created.status).toBe(201);
    const hook = created.body as unknown as WebhookOut & { secret: string };

    const users: number[] = [];
    const registerOne = async (name: string) => {
      const res = await attempt(first.url, 'POST', '/auth/register', {
        json: { email: `${name}@example.com`, username: name, password: 'correct horse battery' },
      });
      expect(res.status).toBe(201);
      users.push(Number(res.body?.id));
    };
    await registerOne('kill9hook0');
    await receiver.waitFor(() => true, 10_000, 'the first attempt');
    await registerOne('kill9hook1');
    await registerOne('kill9hook2');
    // Mid-dispatch: the first attempt is open, the other two are committed and waiting for the only slot.
    expect(receiver.received).toHaveLength(1);
    first.child.kill('SIGKILL');
    const signal =
      first.child.signalCode ?? (await new Promise((r) => first.child.once('exit', (_c, s) => r(s))));
    expect(signal).toBe('SIGKILL');

    const second = await spawnServer({ script: SERVER_MAIN, database, env: ENV });
    servers.push(second);
    for (const id of users) {
      const got = await receiver.waitFor(
        (h) =>
          h.json.data.id === id && (h.headers['webhook-id'] !== held || receiver.received.indexOf(h) > 0),
        15_000,
        `user.created for ${id}`,
      );
      expect(verified(got, hook.secret)).toMatchObject({ type: 'user.created', data: { id } });
    }
    const interrupted = receiver.received.filter((h) => h.headers['webhook-id'] === held);
    expect(interrupted).toHaveLength(2);
    expect(interrupted[0]!.body).toBe(interrupted[1]!.body);

    const token = await loginToken(second.url, ROOT);
    let items: DeliveryOut[] = [];
    await until('every delivery recorded as delivered', async () => {
      const page = await attempt(second.url, 'GET', `/admin/webhooks/${hook.id}/deliveries`, {
        token: token!,
      });
      items = (page.body?.items ?? []) as DeliveryOut[];
      return items.length === 3 && items.every((d) => d.status === 'delivered');
    });
    expect(items.find((d) => d.id === held)).toMatchObject({ attempts: 2, last_status_code: 200 });
    expect(items.filter((d) => d.id !== held).map((d) => d.attempts)).toEqual([1, 1]);
    // The killed attempt left no row (its result was never recorded); the one after it is the delivery's last.
    const kept = await attempt(second.url, 'GET', `/admin/webhooks/${hook.id}/deliveries/${held}/attempts`, {
      token: token!,
    });
    expect(kept.body?.items as AttemptOut[]).toEqual([
      expect.objectContaining({ number: 1, status_code: 200, succeeded: true }),
    ]);
  });
});
