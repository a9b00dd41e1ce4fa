import { AsyncLocalStorage } from 'node:async_hooks';
import type { Session, User } from '@roster/db';
import { AppError } from './errors.js';
import { Flights } from './flights.js';
import type { AdminUserFields } from './services/serialize.js';
import { sessionState, type SessionSnapshot } from './services/session-rules.js';
import type { AccessClaims } from './services/tokens.js';

/** What changed: every session of these users, and these sessions. */
export interface InvalidationMessage {
  users?: number[];
  sessions?: string[];
  /** Everything (another process changed something it cannot name to us). */
  all?: boolean;
}

/**
 * How instances tell each other that cached authorizations are stale. `publish` resolves once the message is on
 * its way to every other instance, and rejects when that cannot be confirmed in time (the request that made the
 * change then fails with INVALIDATION_UNCONFIRMED); `subscribe` hears every instance's messages (its own included).
 */
export interface Invalidation {
  publish(message: InvalidationMessage): Promise<void>;
  subscribe(listener: (message: InvalidationMessage) => void): void;
  /**
   * False while messages may be missed (the connection to Redis or PostgreSQL is down, or the instance has not heard
   * its own heartbeat for a while): the cache is bypassed until it is back, and emptied when it comes back. Called on
   * every lookup: it must cost no more than reading a flag and a clock.
   */
  healthy?(): boolean;
  /** Called before every lookup: a bus without push delivery (a file) checks for news here. */
  poll?(): void;
}

/** One process, nothing to tell anyone (SQLite, tests): invalidation is local only. */
export const localInvalidation: Invalidation = {
  publish: () => Promise.resolve(),
  subscribe: () => undefined,
};

/** What authorization and GET /auth/me read of a User: what admins see (never the password hash). */
export type UserSnapshot = AdminUserFields;

export type { SessionSnapshot } from './services/session-rules.js';

export interface AuthEntry {
  user: UserSnapshot;
  session: SessionSnapshot;
  /** When this entry stops being believed (ms since the epoch). */
  until: number;
}

export interface AuthCacheOptions {
  /** How long a verified session + user is believed without asking the database; 0 turns the cache off. */
  ttlMs?: number;
  maxEntries?: number;
  bus?: Invalidation;
  now?: () => number;
}

export function userSnapshot(user: User): UserSnapshot {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    fullName: user.fullName,
    bio: user.bio,
    role: user.role,
    isActive: user.isActive,
    isVerified: user.isVerified,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    lastLoginAt: user.lastLoginAt,
    version: user.version,
  };
}

export function sessionSnapshot(session: Session): SessionSnapshot {
  return {
    id: session.id,
    userId: session.userId,
    createdAt: session.createdAt,
    lastUsedAt: session.lastUsedAt,
    expiresAt: session.expiresAt,
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

/** Made on the first change: most requests change nothing. */
interface Pending {
  users?: Set<number>;
  sessions?: Set<string>;
  /** New accounts: announced like the rest, but on a best-effort basis (see `created`). */
  created?: Set<number>;
}

/** Changes made during the current request, published once its work is committed (see `AuthCache.scope`). */
const pendingScope = new AsyncLocalStorage<Pending>();

const DEFAULT_TTL_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 10_000;
/** How many recent invalidations are remembered before they are folded into one floor. */
const MAX_REMEMBERED = 10_000;

/**
 * sid → the session and user it belonged to when last read from the database, believed for a few seconds.
 *
 * Safety: every change that can affect authorization (or what /auth/me shows) invalidates by user id or session
 * id, at once in this process and, once the request's transaction is committed, on every other instance through
 * the `Invalidation` bus. A read that started before an invalidation never fills the cache (each invalidation
 * moves a counter; a load remembers the counter it started at), so a request that has returned after revoking
 * cannot be outrun by a slower read of the old rows.
 */
export class AuthCache {
  readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly bus: Invalidation;
  private readonly now: () => number;
  private readonly entries = new Map<string, AuthEntry>();
  private readonly flights = new Flights();
  private readonly byUser = new Map<number, Set<string>>();
  private counter = 0;
  private floor = 0;
  private readonly invalidatedAt = new Map<string, number>();
  private wasHealthy = true;

  constructor(opts: AuthCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.bus = opts.bus ?? localInvalidation;
    this.now = opts.now ?? Date.now;
    this.bus.subscribe((message) => this.invalidate(message));
  }

  get size(): number {
    return this.entries.size;
  }

  private usable(): boolean {
    if (this.ttlMs <= 0) return false;
    this.bus.poll?.();
    const healthy = this.bus.healthy?.() ?? true;
    if (healthy !== this.wasHealthy) {
      // Messages may have been missed while the bus was down: start over.
      this.clear();
      this.wasHealthy = healthy;
    }
    return healthy;
  }

  /** The counter a load starts at; pass it back to `set`. */
  mark(): number {
    return this.counter;
  }

  /**
   * Whether nothing was invalidated since `mark` and the cache is usable (its bus healthy): what the read cache
   * (read-cache.ts) believes its answers by.
   */
  unchangedSince(mark: number): boolean {
    return this.usable() && mark === this.counter;
  }

  get(sessionId: string): AuthEntry | undefined {
    if (!this.usable()) return undefined;
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.drop(sessionId);
      return undefined;
    }
    return entry;
  }

  /**
   * The entry behind a token's claims while its session still backs them: `live`, or `stale` when `last_used_at` is
   * due to be written (see sessionState). Undefined for a miss, another user's session or a dead one.
   */
  lookup(
    claims: Pick<AccessClaims, 'sessionId' | 'userId'>,
  ): { entry: AuthEntry; state: 'live' | 'stale' } | undefined {
    const entry = this.get(claims.sessionId);
    if (!entry || entry.user.id !== claims.userId) return undefined;
    const state = sessionState(claims, entry.session, this.now());
    return state === 'dead' ? undefined : { entry, state };
  }

  /**
   * `lookup`, or else `load(mark)` (which ends in `set`); one load per session when its entry expires under load
   * (flights.ts).
   */
  async resolve<T>(
    claims: Pick<AccessClaims, 'sessionId' | 'userId'>,
    load: (mark: number) => Promise<T>,
  ): Promise<{ found: { entry: AuthEntry; state: 'live' | 'stale' } } | { loaded: T }> {
    const answer = await this.flights.resolve(
      claims.sessionId,
      {
        cached: () => this.lookup(claims),
        current: (mark) => this.unchangedSince(mark),
        mark: () => this.mark(),
      },
      load,
    );
    return 'hit' in answer ? { found: answer.hit } : answer;
  }

  /** Remembers a load that started at `mark`, unless something it read was invalidated since. */
  set(user: UserSnapshot, session: SessionSnapshot, mark: number): boolean {
    if (!this.usable() || mark < this.floor) return false;
    const since = (key: string) => (this.invalidatedAt.get(key) ?? 0) > mark;
    if (since(`u:${user.id}`) || since(`s:${session.id}`)) return false;
    this.drop(session.id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.drop(oldest.value);
    }
    this.entries.set(session.id, { user, session, until: this.now() + this.ttlMs });
    let sessions = this.byUser.get(user.id);
    if (!sessions) this.byUser.set(user.id, (sessions = new Set()));
    sessions.add(session.id);
    return true;
  }

  private drop(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    const sessions = this.byUser.get(entry.user.id);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.byUser.delete(entry.user.id);
  }

  private remember(key: string): void {
    if (this.invalidatedAt.size >= MAX_REMEMBERED) {
      this.invalidatedAt.clear();
      this.floor = this.counter;
    }
    this.invalidatedAt.set(key, this.counter);
  }

  /** Forgets, in this process only, what the message names. */
  invalidate(message: InvalidationMessage): void {
    if (message.all) return this.clear();
    this.counter += 1;
    for (const userId of message.users ?? []) {
      this.remember(`u:${userId}`);
      for (const sessionId of [...(this.byUser.get(userId) ?? [])]) this.drop(sessionId);
    }
    for (const sessionId of message.sessions ?? []) {
      this.remember(`s:${sessionId}`);
      this.drop(sessionId);
    }
  }

  clear(): void {
    this.counter += 1;
    this.floor = this.counter;
    this.invalidatedAt.clear();
    this.entries.clear();
    this.byUser.clear();
  }

  /**
   * A change was written: forget it here now, and tell the other instances once it is committed — at the end of
   * the current `scope` (the request), or at once outside one (scripts, the CLI, background work).
   */
  changed(message: InvalidationMessage): void {
    this.invalidate(message);
    const pending = pendingScope.getStore();
    if (pending) {
      for (const id of message.users ?? []) (pending.users ??= new Set()).add(id);
      for (const id of message.sessions ?? []) (pending.sessions ??= new Set()).add(id);
      return;
    }
    void this.publish(message);
  }

  /**
   * A new account was written. Nothing cached can name it, so nothing anyone believes became false: only lists
   * answered from the read cache miss it. Forgotten here now and announced once committed like any change, but on a
   * best-effort basis: a bus that cannot confirm never fails the request that made the account (their lists catch
   * up within the TTL), and while the bus is down the request does not wait for it.
   */
  created(userId: number): void {
    this.invalidate({ users: [userId] });
    const pending = pendingScope.getStore();
    if (pending) {
      (pending.created ??= new Set()).add(userId);
      return;
    }
    void this.publish({ users: [userId] });
  }

  private publish(message: InvalidationMessage): Promise<void> {
    return this.bus.publish(message).catch(() => undefined);
  }

  /**
   * Runs `work` (a request's procedure) and then, with its transactions committed, forgets again what it changed
   * (a read of the old rows may have filled the cache meanwhile) and tells the other instances before answering.
   * When the bus cannot confirm that they were told (it retries for a bounded time), a `work` that succeeded fails
   * with 503 INVALIDATION_UNCONFIRMED: its change is saved, but another instance may believe the old state for up to
   * its cache TTL. A `work` that failed keeps its own error.
   */
  async scope<T>(work: () => Promise<T>): Promise<T> {
    if (pendingScope.getStore()) return work();
    const pending: Pending = {};
    let result: T;
    try {
      result = await pendingScope.run(pending, work);
    } catch (error) {
      await this.announce(pending).catch(() => undefined);
      throw error;
    }
    await this.announce(pending);
    return result;
  }

  private async announce(pending: Pending): Promise<void> {
    const created = [...(pending.created ?? [])];
    if (!pending.users && !pending.sessions) {
      if (created.length === 0) return;
      const message = { users: created };
      this.invalidate(message);
      if (this.bus.healthy?.() === false) void this.publish(message);
      else await this.publish(message);
      return;
    }
    const message = {
      users: [...(pending.users ?? []), ...created],
      sessions: [...(pending.sessions ?? [])],
    };
    this.invalidate(message);
    try {
      await this.bus.publish(message);
    } catch {
      throw new AppError('INVALIDATION_UNCONFIRMED');
    }
  }
}
