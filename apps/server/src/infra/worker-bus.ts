import { randomUUID } from 'node:crypto';
import type { Invalidation, InvalidationMessage } from '@roster/api';

// The invalidation bus between the workers of one instance (WEB_CONCURRENCY > 1), over node:cluster's IPC: a
// worker's change is applied by every sibling's auth cache before the request that made it answers. Redis or
// PostgreSQL NOTIFY confirm delivery to their broker only; this relay waits for each sibling's own ack.
//
//   worker ──bus:publish──▶ primary ──bus:apply──▶ every other worker (applies it, then) ──bus:ack──▶ primary
//   worker ◀──bus:done (ok once all acked, not ok after RELAY_TIMEOUT_MS)── primary

/** What goes over the IPC channel; `roster` tells it apart from other users of the channel (rate limits). */
export type BusMessage =
  | { roster: 'bus:join' }
  | { roster: 'bus:joined' }
  | { roster: 'bus:publish'; id: string; message: InvalidationMessage }
  | { roster: 'bus:apply'; id: string; message: InvalidationMessage }
  | { roster: 'bus:ack'; id: string }
  | { roster: 'bus:done'; id: string; ok: boolean };

/** How long the primary waits for every sibling's ack. */
export const RELAY_TIMEOUT_MS = 2_000;
/** How long a worker waits for the primary's answer (longer than the relay's own wait). */
export const PUBLISH_TIMEOUT_MS = 3_000;

function isBusMessage(value: unknown): value is BusMessage {
  const tag = (value as { roster?: unknown } | null)?.roster;
  return typeof tag === 'string' && tag.startsWith('bus:');
}

/** A message as the other side sent it, its lists kept only when they hold what they should. */
function cleanMessage(value: unknown): InvalidationMessage {
  const given = (value ?? {}) as Record<string, unknown>;
  if (given.all === true) return { all: true };
  const users = Array.isArray(given.users) ? given.users.filter((id) => Number.isInteger(id)) : [];
  const sessions = Array.isArray(given.sessions)
    ? given.sessions.filter((id): id is string => typeof id === 'string')
    : [];
  return { users: users as number[], sessions };
}

type Send = (message: BusMessage) => void;

interface Relayed {
  origin: number;
  id: string;
  waiting: Set<number>;
  timer: NodeJS.Timeout;
}

/**
 * The primary's side: knows which workers have joined the bus, passes each published message to every other
 * joined worker and answers the publisher once they have all acked (a worker that exits meanwhile counts as
 * having acked: its cache is gone with it).
 */
export class SiblingRelay {
  private readonly members = new Map<number, Send>();
  private readonly relayed = new Map<string, Relayed>();
  private next = 0;

  constructor(private readonly timeoutMs = RELAY_TIMEOUT_MS) {}

  /** Every IPC message from worker `from` (`send` answers it); others than the bus's are ignored. */
  receive(from: number, raw: unknown, send: Send): void {
    if (!isBusMessage(raw)) return;
    if (raw.roster === 'bus:join') {
      this.members.set(from, send);
      send({ roster: 'bus:joined' });
    } else if (raw.roster === 'bus:publish' && typeof raw.id === 'string') {
      this.relay(from, raw.id, cleanMessage(raw.message), send);
    } else if (raw.roster === 'bus:ack' && typeof raw.id === 'string') {
      const entry = this.relayed.get(raw.id);
      if (entry?.waiting.delete(from)) this.settle(raw.id, entry);
    }
  }

  /** Worker `id` is gone: nothing waits for its ack any more. */
  leave(id: number): void {
    this.members.delete(id);
    for (const [key, entry] of this.relayed) {
      if (entry.origin === id) {
        clearTimeout(entry.timer);
        this.relayed.delete(key);
      } else if (entry.waiting.delete(id)) this.settle(key, entry);
    }
  }

  /** Workers currently on the bus. */
  get size(): number {
    return this.members.size;
  }

  private relay(origin: number, id: string, message: InvalidationMessage, reply: Send): void {
    const siblings = [...this.members].filter(([member]) => member !== origin);
    if (siblings.length === 0) return reply({ roster: 'bus:done', id, ok: true });
    const key = `r${++this.next}`;
    const timer = setTimeout(() => {
      if (!this.relayed.delete(key)) return;
      this.members.get(origin)?.({ roster: 'bus:done', id, ok: false });
    }, this.timeoutMs);
    timer.unref();
    this.relayed.set(key, { origin, id, waiting: new Set(siblings.map(([member]) => member)), timer });
    for (const [, send] of siblings) send({ roster: 'bus:apply', id: key, message });
  }

  private settle(key: string, entry: Relayed): void {
    if (entry.waiting.size > 0) return;
    clearTimeout(entry.timer);
    this.relayed.delete(key);
    this.members.get(entry.origin)?.({ roster: 'bus:done', id: entry.id, ok: true });
  }
}

/**
 * A worker's end of the IPC channel (`process.send` / `process.on('message')` in a cluster worker), for messages
 * of type `M` (the bus's, or cluster-metrics.ts's).
 */
export interface WorkerLink<M extends { roster: string } = BusMessage> {
  send(message: M): void;
  onMessage(listener: (raw: unknown) => void): void;
  connected(): boolean;
}

/** The IPC channel of this cluster worker. */
export function processLink<M extends { roster: string } = BusMessage>(): WorkerLink<M> {
  return {
    send(message) {
      if (!process.send) throw new Error('not a cluster worker: no IPC channel');
      // A closed channel (the primary is gone, and this worker about to exit): the publish times out.
      process.send(message, undefined, undefined, () => undefined);
    },
    onMessage: (listener) => void process.on('message', listener),
    connected: () => process.connected,
  };
}

/**
 * A worker's side: `publish` resolves once every sibling has applied the message (rejects when the primary says
 * they could not all be reached in time, or does not answer); messages from siblings are applied here, then acked.
 * `joined` resolves once the primary relays to this worker: await it before serving.
 */
export function siblingInvalidation(
  link: WorkerLink,
  timeoutMs = PUBLISH_TIMEOUT_MS,
): Invalidation & { joined: Promise<void> } {
  const listeners: ((message: InvalidationMessage) => void)[] = [];
  const replies = new PendingReplies<void>(timeoutMs);
  let joined!: () => void;
  const joinedPromise = new Promise<void>((resolve) => (joined = resolve));
  link.onMessage((raw) => {
    if (!isBusMessage(raw)) return;
    if (raw.roster === 'bus:joined') joined();
    else if (raw.roster === 'bus:apply') {
      const message = cleanMessage(raw.message);
      for (const listener of listeners) listener(message);
      link.send({ roster: 'bus:ack', id: raw.id });
    } else if (raw.roster === 'bus:done') {
      replies.settle(
        raw.id,
        raw.ok
          ? { value: undefined }
          : { error: new Error('a sibling worker did not confirm the invalidation in time') },
      );
    }
  });
  link.send({ roster: 'bus:join' });
  return {
    joined: joinedPromise,
    publish(message) {
      return replies.ask((id) => link.send({ roster: 'bus:publish', id, message }));
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    healthy: () => link.connected(),
  };
}

/**
 * Requests over the IPC channel answered by id: `ask` sends one (its id to `send`) and resolves with the answer
 * `settle` gives it, or rejects when none comes within `timeoutMs` or the send throws. A late answer is ignored.
 */
export class PendingReplies<T> {
  private readonly waiting = new Map<string, { resolve(value: T): void; reject(error: Error): void }>();

  constructor(private readonly timeoutMs: number) {}

  ask(send: (id: string) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the primary did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      try {
        send(id);
      } catch (error) {
        this.settle(id, { error: error as Error });
      }
    });
  }

  settle(id: string, outcome: { value: T } | { error: Error }): void {
    const entry = this.waiting.get(id);
    this.waiting.delete(id);
    if ('error' in outcome) entry?.reject(outcome.error);
    else entry?.resolve(outcome.value);
  }
}

/** `primary` and `siblings` as one bus: published on both, heard from both, healthy while both are. */
export function bothBuses(primary: Invalidation, siblings: Invalidation): Invalidation {
  return {
    publish: async (message) =>
      void (await Promise.all([primary.publish(message), siblings.publish(message)])),
    subscribe(listener) {
      primary.subscribe(listener);
      siblings.subscribe(listener);
    },
    healthy: () => (primary.healthy?.() ?? true) && (siblings.healthy?.() ?? true),
    ...(primary.poll ? { poll: () => primary.poll?.() } : {}),
  };
}
