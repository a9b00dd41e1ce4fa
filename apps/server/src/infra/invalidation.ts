import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { AuthCache, localInvalidation, type Invalidation, type InvalidationMessage } from '@roster/api';
import { parseDatabaseUrl, type Database } from '@roster/db';
import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from './config.js';
import { DEFAULT_BUS_TIMING, Echoes, type BusTiming } from './echoes.js';
import { bothBuses } from './worker-bus.js';
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
/** The name of each instance's subscriber connection (Redis CLIENT LIST, PostgreSQL application_name), + `:pid`. */
export const LISTENER_NAME = 'roster-listen';

/**
 * Invalidations over Redis pub/sub: a subscriber connection of its own; unhealthy while it is not subscribed or
 * this instance's heartbeat (published every 500 ms on the same channel) has not come back for 2 s.
 */
export function redisInvalidation(
  redis: Redis,
  keyPrefix: string,
  closers: Closers,
  logger: Logger,
  timing?: BusTiming,
): Invalidation {
  const channel = redisChannel(keyPrefix);
  // Named, so that an operator (or a test) finds each instance's subscriber in CLIENT LIST.
  const subscriber = redis.duplicate({
    enableOfflineQueue: true,
    connectionName: `${LISTENER_NAME}:${process.pid}`,
  });
  const echoes = new Echoes(
    {
      send: (raw) => redis.publish(channel, raw),
      beat: (raw) => redis.publish(channel, raw),
      restart: () => subscriber.disconnect(true),
    },
    logger,
    'redis',
    timing,
  );
  subscriber.on('error', () => undefined);
  subscriber.on('close', () => echoes.lost());
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => echoes.subscribed(),
      () => undefined,
    );
  });
  subscriber.on('message', (from: string, raw: string) => {
    if (from === channel) echoes.deliver(raw);
  });
  echoes.start();
  closers.add('redis invalidation subscriber', async () => {
    echoes.stop();
    subscriber.removeAllListeners('close');
    subscriber.disconnect();
  });
  return busOf(echoes);
}

function busOf(echoes: Echoes): Invalidation {
  return {
    publish: (message) => echoes.publish(message),
    subscribe(listener) {
      echoes.listeners.push(listener);
    },
    healthy: () => echoes.healthy(),
  };
}

interface PgClient {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): void;
  on(event: 'error' | 'end', listener: () => void): void;
  end(): Promise<void>;
}

/**
 * Invalidations over PostgreSQL LISTEN/NOTIFY (several instances, no Redis): one dedicated connection listens and
 * sends this instance's heartbeat (to itself) every 500 ms; invalidations are NOTIFYed through the pool. Unhealthy
 * while the listening connection is down (it reconnects every second) or silent for 2 s (then it is replaced).
 */
export function postgresInvalidation(
  db: Database,
  closers: Closers,
  logger: Logger,
  timing?: BusTiming,
): Invalidation {
  // A connection of its own, outside the pool (knex's driver client opens it with the pool's settings).
  const connection = db.orm.em.getConnection() as unknown as {
    getKnex(): { client: { acquireRawConnection(): Promise<PgClient> } };
  };
  const knex = connection.getKnex();
  const channel = PG_CHANNEL;
  let client: PgClient | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const lost = (which: PgClient | null) => {
    if (!client || client !== which) return;
    client = null;
    echoes.lost();
    if (!closed) {
      logger.warn('auth cache: LISTEN connection lost; the cache is bypassed until it is back');
      timer = setTimeout(connect, RECONNECT_MS);
    }
  };
  const echoes = new Echoes(
    {
      send: (raw) => pgNotify(db, raw),
      beat: (raw) => (client ? client.query('select pg_notify($1, $2)', [channel, raw]) : Promise.resolve()),
      restart: () => {
        const silent = client;
        lost(silent);
        void silent?.end().catch(() => undefined);
      },
    },
    logger,
    'postgresql',
    timing,
  );
  const connect = async () => {
    try {
      const next = await knex.client.acquireRawConnection();
      next.on('notification', (msg) => {
        if (msg.channel === channel && msg.payload) echoes.deliver(msg.payload);
      });
      next.on('error', () => lost(next));
      next.on('end', () => lost(next));
      // Named, so that an operator (or a test) finds each instance's listener in pg_stat_activity.
      await next.query(`set application_name = '${LISTENER_NAME}:${process.pid}'; LISTEN ${channel}`);
      if (closed) return void (await next.end());
      client = next;
      echoes.subscribed();
    } catch {
      if (!closed) timer = setTimeout(connect, RECONNECT_MS);
    }
  };
  const started = connect();
  echoes.start();
  closers.add('postgresql invalidation listener', async () => {
    closed = true;
    echoes.stop();
    clearTimeout(timer);
    await started;
    const last = client;
    client = null;
    await last?.end().catch(() => undefined);
  });
  return busOf(echoes);
}

/**
 * SQLite: one server process, but the `roster` CLI writes to the same file from another. It rewrites a file next
 * to the database after its change is committed; the server looks at that file's modification time (one stat,
 * no thread pool, at most once a millisecond) before a cache lookup and starts over when it moved, so the next
 * request sees the change. Its heartbeat (a file next to it written and read back, at most every 500 ms, on a
 * lookup) failing, or the signal file unreadable, the cache is bypassed.
 */
export function fileInvalidation(path: string, heartbeatMs = DEFAULT_BUS_TIMING.heartbeatMs): Invalidation {
  /** null: the file cannot be looked at (not merely missing), so the CLI's signals cannot be seen. */
  const stamp = (): string | null => {
    try {
      // A missing file (the usual case: no CLI change yet) answers undefined rather than throwing: this runs up to
      // a thousand times a second, and an exception's stack costs more than the stat.
      const s = statSync(path, { bigint: true, throwIfNoEntry: false });
      return s ? `${s.mtimeNs}:${s.ino}:${s.size}` : '';
    } catch {
      return null;
    }
  };
  let seen = stamp();
  let lastPoll = performance.now();
  const listeners: ((message: InvalidationMessage) => void)[] = [];
  // The heartbeat: a file next to the signal file, written and read back (the signal file itself is the CLI's: a
  // write of ours could hide one of its own). Sent when a lookup finds the last one older than heartbeatMs.
  const heartbeatFile = `${path}.heartbeat`;
  let beats = 0;
  let beatAt = -Infinity;
  let alive = false;
  const beat = () => {
    const token = `${process.pid}:${++beats}\n`;
    try {
      writeFileSync(heartbeatFile, token);
      // Another worker on the same file (WEB_CONCURRENCY) may have written its own beat in between: any beat read
      // back shows the folder works.
      alive = BEAT.test(readFileSync(heartbeatFile, 'utf8')) && stamp() !== null;
    } catch {
      alive = false;
    }
  };
  return {
    async publish() {
      writeFileSync(path, `${randomUUID()}\n`);
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    healthy() {
      const at = performance.now();
      if (at - beatAt >= heartbeatMs) {
        beatAt = at;
        beat();
      }
      return alive;
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

/** What a heartbeat file holds: `<pid>:<beat>`. */
const BEAT = /^\d+:\d+\n$/;

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
 * PostgreSQL, else none (SQLite: one process). A cluster worker (WEB_CONCURRENCY > 1) adds `siblings`, the bus to
 * the other workers of its instance (`worker-bus.ts`): a change is published on both, and its request answers once
 * the sibling workers have applied it.
 */
export function authCacheFor(
  config: Config,
  db: Database,
  redis: Redis | null,
  closers: Closers,
  logger: Logger,
  registry?: Registry,
  siblings?: Invalidation,
): AuthCache {
  // Even with the cache off here, this instance's changes are announced to the others.
  const shared = redis
    ? redisInvalidation(redis, config.redisKeyPrefix, closers, logger)
    : db.kind === 'postgresql'
      ? postgresInvalidation(db, closers, logger)
      : fileBusFor(config.databaseUrl);
  const bus = siblings ? bothBuses(shared, siblings) : shared;
  if (registry) {
    new Gauge({
      name: 'roster_auth_cache_bus_healthy',
      help: '1 while the auth-cache invalidation bus hears its own heartbeat (the cache is in use), else 0',
      registers: [registry],
      collect() {
        this.set((bus.healthy?.() ?? true) ? 1 : 0);
      },
    });
  }
  return new AuthCache({ ttlMs: config.authCacheTtlSeconds * 1000, bus });
}

function fileBusFor(databaseUrl: string): Invalidation {
  // This process is the only server: its own changes are forgotten in memory; only the CLI writes the file.
  return { ...signalFileBus(databaseUrl), publish: () => Promise.resolve() };
}
