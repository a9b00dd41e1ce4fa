import { AuthCache, localInvalidation, type Invalidation, type InvalidationMessage } from '@roster/api';
import type { Database } from '@roster/db';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Closers } from './shutdown.js';

const CHANNEL = 'auth-invalidate';
const RECONNECT_MS = 1_000;

function parse(raw: string): InvalidationMessage | null {
  try {
    const value = JSON.parse(raw) as InvalidationMessage;
    const users = Array.isArray(value.users) ? value.users.filter((id) => Number.isInteger(id)) : [];
    const sessions = Array.isArray(value.sessions)
      ? value.sessions.filter((id) => typeof id === 'string')
      : [];
    return { users, sessions };
  } catch {
    return null;
  }
}

/** Invalidations over Redis pub/sub: a subscriber connection of its own; unhealthy while it is not subscribed. */
export function redisInvalidation(redis: Redis, keyPrefix: string, closers: Closers): Invalidation {
  const channel = `${keyPrefix}${CHANNEL}`;
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  let subscribed = false;
  const listeners: ((message: InvalidationMessage) => void)[] = [];
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
    if (from !== channel) return;
    const message = parse(raw);
    if (message) for (const listener of listeners) listener(message);
  });
  closers.add('redis invalidation subscriber', async () => {
    subscribed = false;
    subscriber.removeAllListeners('close');
    subscriber.disconnect();
  });
  return {
    async publish(message) {
      await redis.publish(channel, JSON.stringify(message));
    },
    subscribe(listener) {
      listeners.push(listener);
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
  const channel = 'roster_auth_invalidate';
  const listeners: ((message: InvalidationMessage) => void)[] = [];
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
        const message = msg.channel === channel && msg.payload ? parse(msg.payload) : null;
        if (message) for (const listener of listeners) listener(message);
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
    async publish(message) {
      await db.orm.em.getConnection().execute('select pg_notify(?, ?)', [channel, JSON.stringify(message)]);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    healthy: () => client !== null,
  };
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
      : localInvalidation;
  return new AuthCache({ ttlMs: config.authCacheTtlSeconds * 1000, bus });
}
