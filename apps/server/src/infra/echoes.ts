import { randomUUID } from 'node:crypto';
import type { InvalidationMessage } from '@roster/api';
import type { Logger } from './logger.js';

/** How a bus with push delivery (Redis pub/sub, PostgreSQL LISTEN) checks that it still hears what is sent. */
export interface BusTiming {
  /** How often this instance sends itself a heartbeat. */
  heartbeatMs: number;
  /** Not having heard its own heartbeat for this long, the instance bypasses its auth cache. */
  staleMs: number;
  /** How long an invalidation is sent again and again until this instance hears it back (then it fails). */
  confirmMs: number;
  /** How long one sending waits for its echo before the message is sent again. */
  attemptMs: number;
}

export const DEFAULT_BUS_TIMING: BusTiming = {
  heartbeatMs: 500,
  staleMs: 2_000,
  confirmMs: 3_000,
  attemptMs: 250,
};

/** What a bus is made of: how it sends, and how it starts its subscription over. */
export interface BusLink {
  /** Sends to every instance, this one included (resolves once sent, not once heard). */
  send(raw: string): Promise<unknown>;
  /** Sends this instance's heartbeat (it may take a path of its own, e.g. the listening connection). */
  beat(raw: string): Promise<unknown>;
  /** The subscription is connected but hears nothing, not even itself: drop it and connect again. */
  restart(): void;
}

/** Thrown by `publish` when the message was not heard back within `confirmMs`. */
export class UnconfirmedError extends Error {
  constructor(ms: number) {
    super(`invalidation not heard back within ${ms} ms`);
    this.name = 'UnconfirmedError';
  }
}

type Parsed = InvalidationMessage & { id?: string; hb?: string };

function parse(raw: string): Parsed | null {
  try {
    const value = JSON.parse(raw) as InvalidationMessage & { id?: unknown; hb?: unknown };
    if (typeof value.hb === 'string') return { hb: value.hb };
    const users = Array.isArray(value.users) ? value.users.filter((id) => Number.isInteger(id)) : [];
    const sessions = Array.isArray(value.sessions)
      ? value.sessions.filter((id) => typeof id === 'string')
      : [];
    return { users, sessions, ...(typeof value.id === 'string' ? { id: value.id } : {}) };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fan-out with an echo and a heartbeat.
 *
 * - `publish` resolves once this instance's own subscription has received the message, i.e. once the broker has
 *   delivered it (to every subscriber at once); until then it sends it again every `attemptMs`, and after
 *   `confirmMs` it rejects (the caller's answer then says so).
 * - Every `heartbeatMs` the instance sends itself a heartbeat. `healthy()` (on every auth-cache lookup: a flag and a
 *   clock read) is false while the subscription is down or its own heartbeat has not come back for `staleMs`.
 * - Whenever it may have missed messages (the subscription came back, a heartbeat came back after a silence), every
 *   listener is told to forget everything.
 */
export class Echoes {
  readonly listeners: ((message: InvalidationMessage) => void)[] = [];
  private readonly instance = randomUUID();
  private readonly waiting = new Map<string, () => void>();
  private connected = false;
  private connectedAt = 0;
  private lastHeard = -Infinity;
  private beating = false;
  private silent = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: BusLink,
    private readonly logger: Logger,
    private readonly name: string,
    private readonly timing: BusTiming = DEFAULT_BUS_TIMING,
  ) {}

  /** Starts the heartbeat (stopped by `stop`). */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.timing.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.connected = false;
  }

  healthy(): boolean {
    return this.connected && performance.now() - this.lastHeard < this.timing.staleMs;
  }

  /** The subscription is in place (again): what was sent meanwhile may be lost, so everything is forgotten. */
  subscribed(): void {
    this.connected = true;
    this.connectedAt = performance.now();
    this.forgetAll();
    this.tick();
  }

  /** The subscription is gone. */
  lost(): void {
    this.connected = false;
  }

  deliver(raw: string): void {
    const message = parse(raw);
    if (!message) return;
    if (message.hb !== undefined) {
      if (message.hb === this.instance) this.heard();
      return;
    }
    for (const listener of this.listeners) listener(message);
    if (message.id) this.waiting.get(message.id)?.();
  }

  async publish(message: InvalidationMessage): Promise<void> {
    const id = randomUUID();
    const raw = JSON.stringify({ ...message, id });
    const deadline = performance.now() + this.timing.confirmMs;
    let heard = false;
    const echo = new Promise<void>((resolve) => this.waiting.set(id, resolve)).then(() => {
      heard = true;
    });
    let sending: Promise<unknown> | null = null;
    try {
      for (let left = this.timing.confirmMs; left > 0; left = deadline - performance.now()) {
        // One sending at a time: a send stuck on a dead connection is not stacked up on.
        sending ??= this.link.send(raw).then(
          () => (sending = null),
          () => (sending = null),
        );
        await Promise.race([echo, sleep(Math.min(this.timing.attemptMs, left))]);
        if (heard) return;
      }
    } finally {
      this.waiting.delete(id);
    }
    throw new UnconfirmedError(this.timing.confirmMs);
  }

  private heard(): void {
    const now = performance.now();
    const after = now - this.lastHeard;
    this.lastHeard = now;
    if (this.silent) {
      this.silent = false;
      this.logger.info(
        { bus: this.name },
        'auth cache: invalidation bus heard again; the cache is back in use',
      );
    }
    // Back after a silence: messages in between may have been missed.
    if (after >= this.timing.staleMs && Number.isFinite(after)) this.forgetAll();
  }

  private forgetAll(): void {
    for (const listener of this.listeners) listener({ all: true });
  }

  private tick(): void {
    const now = performance.now();
    const quiet = now - Math.max(this.lastHeard, this.connectedAt);
    if (this.connected && quiet >= this.timing.staleMs) {
      if (!this.silent) {
        this.silent = true;
        this.logger.warn(
          { bus: this.name, staleMs: this.timing.staleMs },
          'auth cache: invalidation bus silent (own heartbeat not heard); the cache is bypassed until it is',
        );
      }
      // Connected, yet not even our own messages come back: start the subscription over.
      this.connectedAt = now;
      this.link.restart();
    }
    if (this.beating || !this.connected) return;
    this.beating = true;
    this.link.beat(JSON.stringify({ hb: this.instance })).then(
      () => (this.beating = false),
      () => (this.beating = false),
    );
  }
}
