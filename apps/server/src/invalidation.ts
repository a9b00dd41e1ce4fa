import { randomUUID } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { AuthCache, localInvalidation, type Invalidation, type InvalidationMessage } from '@roster/api';
import { parseDatabaseUrl, type Database } from '@roster/db';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Closers } from './shutdown.js';

const CHANNEL = 'auth-invalidate';
const PG_CHANNEL = 'roster_auth_invalidate';

/** The Redis channel every instance and the CLI publish on and listen to. */
const redisChannel = (keyPrefix: string) => `${keyPrefix}${CHANNEL}`;

/** NOTIFY on the channel every PostgreSQL instance listens to. */
async function pgNotify(db: Database, raw: string): Promise<void> {
  await db.orm.em.getConnection().execute('select pg_notify(?, ?)', [PG_CHANNEL, raw]);
}
const RECONNECT_MS = 1_000;

/** How long a publisher waits to hear its own message back (then it answers anyway). */
const ECHO_WAIT_MS = 250;

/**
 * Fan-out with an echo: `publish` resolves once this instance's own subscription has received the message, i.e.
 * once the broker has delivered it (to every subscriber at once), so the request that made the change answers
 * only after the other instances have it in hand, not merely after it was sent.
 */
class Echoes {
  readonly listeners: ((message: InvalidationMessage) => void)[] = [];
  private readonly waiting = new Map<string, () => void>();

  deliver(raw: string): void {
    const message = parse(raw);
    if (!message) return;
    for (const listener of this.listeners) listener(message);
    if (message.id) this.waiting.get(message.id)?.();
  }

  async send(message: InvalidationMessage, send: (raw: string) => Promise<unknown>): Promise<void> {
    const id = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      timer = setTimeout(resolve, ECHO_WAIT_MS);
    });
    try {
      await send(JSON.stringify({ ...message, id }));
      await heard;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
  }
}

function parse(raw: string): (InvalidationMessage & { id?: string }) | null {
  try {
    const value = JSON.parse(raw) as InvalidationMessage & { id?: unknown };
    const users = Array.isArray(value.users) ? value.users.filter((id) => Number.isInteger(id)) : [];
    const sessions = Array.isArray(value.sessions)
      ? value.sessions.filter((id) => typeof id === 'string')
      : [];
    return { users, sessions, ...(typeof value.id === 'string' ? { id: value.id } : {}) };
  } catch {
    return null;
  }
}

/** Invalidations over Redis pub/sub: a subscriber connection of its own; unhealthy while it is not subscribed. */
export function redisInvalidation(redis: Redis, keyPrefix: string, closers: Closers): Invalidation {
  const channel = redisChannel(keyPrefix);
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  let subscribed = false;
  const echoes = new Echoes();
  subscriber.on('error', () => undefined);
  subscriber.on('close', () => {
    subscribed = false;
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        subscribed = true;
      },
      () => undefined,
    );
  });
  subscriber.on('message', (from: string, raw: string) => {
    if (from === channel) echoes.deliver(raw);
  });
  closers.add('redis invalidation subscriber', async () => {
    subscribed = false;
    subscriber.removeAllListeners('close');
    subscriber.disconnect();
  });
  return {
    publish: (message) => echoes.send(message, (raw) => redis.publish(channel, raw)),
    subscribe(listener) {
      echoes.listeners.push(listener);
    },
    healthy: () => subscribed,
  };
}

interface PgClient {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', listener: () => void): void;
  end(): Promise<void>;
}

/**
 * Invalidations over PostgreSQL LISTEN/NOTIFY (several instances, no Redis): one dedicated connection listens;
 * NOTIFY goes through the pool. Unhealthy while the listening connection is down (it reconnects every second).
 */
export function postgresInvalidation(db: Database, closers: Closers, logger: Logger): Invalidation {
  // A connection of its own, outside the pool (knex's driver client opens it with the pool's settings).
  const connection = db.orm.em.getConnection() as unknown as {
    getKnex(): { client: { acquireRawConnection(): Promise<PgClient> } };
  };
  const knex = connection.getKnex();
  const channel = PG_CHANNEL;
  const echoes = new Echoes();
  let client: PgClient | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const lost = () => {
    if (!client) return;
    client = null;
    if (!closed) {
      logger.warn('auth cache: LISTEN connection lost; the cache is bypassed until it is back');
      timer = setTimeout(connect, RECONNECT_MS);
    }
  };
  const connect = async () => {
    try {
      const next = await knex.client.acquireRawConnection();
      next.on('notification', (msg) => {
        if (msg.channel === channel && msg.payload) echoes.deliver(msg.payload);
      });
      next.on('error', lost);
      next.on('end', lost);
      await next.query(`LISTEN ${channel}`);
      if (closed) return void (await next.end());
      client = next;
    } catch {
      if (!closed) timer = setTimeout(connect, RECONNECT_MS);
    }
  };
  const started = connect();
  closers.add('postgresql invalidation listener', async () => {
    closed = true;
    clearTimeout(timer);
    await started;
    const last = client;
    client = null;
    await last?.end().catch(() => undefined);
  });
  return {
    publish: (message) => echoes.send(message, (raw) => pgNotify(db, raw)),
    subscribe(listener) {
      echoes.listeners.push(listener);
    },
    healthy: () => client !== null,
  };
}

/**
 * SQLite: one server process, but the `roster` CLI writes to the same file from another. It rewrites a file next
 * to the database after its change is committed; the server looks at that file's modification time (one stat,
 * no thread pool, at most once a millisecond) before a cache lookup and starts over when it moved, so the next
 * request sees the change.
 */
export function fileInvalidation(path: string): Invalidation {
  const stamp = () => {
    try {
      const s = statSync(path, { bigint: true });
      return `${s.mtimeNs}:${s.ino}:${s.size}`;
    } catch {
      return '';
    }
  };
  let seen = stamp();
  let lastPoll = performance.now();
  const listeners: ((message: InvalidationMessage) => void)[] = [];
  return {
    async publish() {
      writeFileSync(path, `${randomUUID()}\n`);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    poll() {
      // At most one stat per millisecond: under load that is one per many requests, and no CLI process can
      // write the file, exit and have its operator's next request arrive within a millisecond.
      const at = performance.now();
      if (at - lastPoll < 1) return;
      lastPoll = at;
      const now = stamp();
      if (now === seen) return;
      seen = now;
      for (const listener of listeners) listener({ all: true });
    },
  };
}

/** The file the CLI rewrites for a SQLite database file; null for an in-memory one. */
export function sqliteSignalFile(databaseUrl: string): string | null {
  const target = parseDatabaseUrl(databaseUrl);
  return target.kind === 'sqlite' && target.location !== ':memory:'
    ? `${target.location}.auth-changed`
    : null;
}

/**
 * What the CLI announces its changes through (it caches nothing): Redis, else NOTIFY on PostgreSQL, else the
 * SQLite signal file. Call `close` when done.
 */
export function cliInvalidation(config: Config, db: Database): Invalidation & { close(): Promise<void> } {
  if (config.redisUrl) {
    const redis = new Redis(config.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    redis.on('error', () => undefined);
    const channel = redisChannel(config.redisKeyPrefix);
    return {
      publish: async (message) => void (await redis.publish(channel, JSON.stringify(message))),
      subscribe: () => undefined,
      close: async () => void (await redis.quit().catch(() => redis.disconnect())),
    };
  }
  if (db.kind === 'postgresql') {
    return {
      publish: (message) => pgNotify(db, JSON.stringify(message)),
      subscribe: () => undefined,
      close: () => Promise.resolve(),
    };
  }
  return { ...signalFileBus(config.databaseUrl), close: () => Promise.resolve() };
}

/** The SQLite signal file's bus; none for an in-memory database. */
function signalFileBus(databaseUrl: string): Invalidation {
  const file = sqliteSignalFile(databaseUrl);
  return file ? fileInvalidation(file) : localInvalidation;
}

/**
 * The auth cache with the bus the deployment has: Redis when REDIS_URL is set, else PostgreSQL LISTEN/NOTIFY on
 * PostgreSQL, else none (SQLite: one process).
 */
export function authCacheFor(
  config: Config,
  db: Database,
  redis: Redis | null,
  closers: Closers,
  logger: Logger,
): AuthCache {
  // Even with the cache off here, this instance's changes are announced to the others.
  const bus = redis
    ? redisInvalidation(redis, config.redisKeyPrefix, closers)
    : db.kind === 'postgresql'
      ? postgresInvalidation(db, closers, logger)
      : fileBusFor(config.databaseUrl);
  return new AuthCache({ ttlMs: config.authCacheTtlSeconds * 1000, bus });
}

function fileBusFor(databaseUrl: string): Invalidation {
  // This process is the only server: its own changes are forgotten in memory; only the CLI writes the file.
  return { ...signalFileBus(databaseUrl), publish: () => Promise.resolve() };
}
