import type { InvalidationMessage } from '@roster/api';
import { AuthCache } from '@roster/api';
import { describe, expect, it } from 'vitest';
import {
  bothBuses,
  SiblingRelay,
  siblingInvalidation,
  type BusMessage,
  type WorkerLink,
} from './worker-bus.js';

// The relay between the workers of one instance, with the IPC channel replaced by queues: messages are delivered
// asynchronously and in order, as node's IPC does, and a worker can stop answering (hung) or go away (exited).

interface FakeWorker {
  id: number;
  link: WorkerLink;
  heard: InvalidationMessage[];
  hung: boolean;
}

function fakeCluster(relay: SiblingRelay) {
  const workers = new Map<number, FakeWorker & { deliver(raw: unknown): void }>();
  const add = (id: number) => {
    let listener: (raw: unknown) => void = () => undefined;
    const worker = {
      id,
      heard: [] as InvalidationMessage[],
      hung: false,
      deliver: (raw: unknown) => setImmediate(() => !worker.hung && listener(raw)),
      link: {
        send: (message: BusMessage) =>
          setImmediate(() =>
            relay.receive(id, structuredClone(message), (reply) => workers.get(id)?.deliver(reply)),
          ),
        onMessage: (l: (raw: unknown) => void) => void (listener = l),
        connected: () => true,
      } satisfies WorkerLink,
    };
    workers.set(id, worker);
    return worker;
  };
  return { workers, add };
}

async function joinedWorker(cluster: ReturnType<typeof fakeCluster>, id: number, timeoutMs?: number) {
  const worker = cluster.add(id);
  const bus = siblingInvalidation(worker.link, timeoutMs);
  bus.subscribe((message) => worker.heard.push(message));
  await bus.joined;
  return { worker, bus };
}

describe('SiblingRelay and siblingInvalidation', () => {
  it('resolves a publish once every other worker has applied it, and not before', async () => {
    const relay = new SiblingRelay();
    const cluster = fakeCluster(relay);
    const a = await joinedWorker(cluster, 1);
    const b = await joinedWorker(cluster, 2);
    const c = await joinedWorker(cluster, 3);
    expect(relay.size).toBe(3);
    await a.bus.publish({ users: [7], sessions: ['s1'] });
    expect(b.worker.heard).toEqual([{ users: [7], sessions: ['s1'] }]);
    expect(c.worker.heard).toEqual([{ users: [7], sessions: ['s1'] }]);
    // The publisher applies its own change itself (AuthCache.changed): it is not sent back to it.
    expect(a.worker.heard).toEqual([]);
  });

  it('resolves at once when the worker is alone', async () => {
    const cluster = fakeCluster(new SiblingRelay());
    const a = await joinedWorker(cluster, 1);
    await expect(a.bus.publish({ all: true })).resolves.toBeUndefined();
  });

  it('rejects when a sibling does not ack in time (the request then answers INVALIDATION_UNCONFIRMED)', async () => {
    const relay = new SiblingRelay(50);
    const cluster = fakeCluster(relay);
    const a = await joinedWorker(cluster, 1);
    const b = await joinedWorker(cluster, 2);
    b.worker.hung = true;
    await expect(a.bus.publish({ users: [1] })).rejects.toThrow(/did not confirm/);
  });

  it('stops waiting for a worker that exits', async () => {
    const relay = new SiblingRelay(10_000);
    const cluster = fakeCluster(relay);
    const a = await joinedWorker(cluster, 1);
    const b = await joinedWorker(cluster, 2);
    b.worker.hung = true;
    const published = a.bus.publish({ sessions: ['x'] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    relay.leave(2);
    await expect(published).resolves.toBeUndefined();
    expect(relay.size).toBe(1);
  });

  it('rejects when the primary does not answer', async () => {
    const link: WorkerLink = {
      send: (message) => {
        if (message.roster === 'bus:join') return;
      },
      onMessage: () => undefined,
      connected: () => true,
    };
    const bus = siblingInvalidation(link, 30);
    await expect(bus.publish({ users: [1] })).rejects.toThrow(/did not answer/);
  });

  it('keeps only well-formed ids from what a sibling sent', async () => {
    const relay = new SiblingRelay();
    const cluster = fakeCluster(relay);
    await joinedWorker(cluster, 1);
    const b = await joinedWorker(cluster, 2);
    relay.receive(
      1,
      { roster: 'bus:publish', id: 'p', message: { users: [1, 'x', 2.5], sessions: ['s', 3] } },
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(b.worker.heard).toEqual([{ users: [1], sessions: ['s'] }]);
  });

  it('makes a sibling auth cache forget a session before the publisher goes on', async () => {
    const relay = new SiblingRelay();
    const cluster = fakeCluster(relay);
    const a = await joinedWorker(cluster, 1);
    const b = await joinedWorker(cluster, 2);
    const local = { publish: () => Promise.resolve(), subscribe: () => undefined };
    const cacheB = new AuthCache({ ttlMs: 60_000, bus: bothBuses(local, b.bus) });
    const now = new Date();
    const user = { id: 5, email: 'e@x', username: 'u', fullName: null, bio: null, role: 'user' as const };
    cacheB.set(
      {
        ...user,
        isActive: true,
        isVerified: true,
        createdAt: now,
        updatedAt: now,
        lastLoginAt: null,
        version: 1,
      },
      {
        id: 'sid',
        userId: 5,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(Date.now() + 60_000),
        ip: null,
        userAgent: null,
      },
      cacheB.mark(),
    );
    expect(cacheB.get('sid')).toBeDefined();
    await a.bus.publish({ sessions: ['sid'] });
    expect(cacheB.get('sid')).toBeUndefined();
  });
});
