import { RateLimits } from '@roster/api';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** How long start-up waits for Redis before serving anyway (limits then count in memory until it answers). */
export const REDIS_CONNECT_WAIT_MS = 2_000;

/**
 * The shared Redis, or null when REDIS_URL is unset. Roster starts even when Redis is down: commands fail fast
 * (no offline queue, short timeouts) so that callers fall back at once, and ioredis reconnects in the background.
 */
export async function connectRedis(config: Config, logger: Logger): Promise<Redis | null> {
  if (!config.redisUrl) return null;
  const redis = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  const where = { redis: `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}` };
  let down = false;
  // ioredis repeats itself at every reconnection attempt: one line per outage is enough.
  const lost = (error?: Error) => {
    if (!down) {
      const err = error ? { err: { type: error.name, message: error.message } } : {};
      logger.warn({ ...where, ...err }, 'redis unreachable');
    }
    down = true;
  };
  redis.on('error', lost);
  redis.on('close', () => lost());
  redis.on('ready', () => {
    if (down) logger.info(where, 'redis reachable again');
    down = false;
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), REDIS_CONNECT_WAIT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  if (!ready) {
    logger.warn(where, 'redis is not reachable yet: rate limits count in this instance only until it is');
    down = true;
  }
  return redis;
}

/** Closes the client however its connection stands, and waits until it has let go of its socket. */
export async function closeRedis(redis: Redis | null): Promise<void> {
  if (!redis || redis.status === 'end') return;
  // Closing is not an outage: no more warnings (errors are still listened to, so none goes unhandled).
  redis.removeAllListeners('close');
  redis.removeAllListeners('error');
  redis.on('error', () => undefined);
  // Between reconnection attempts there is no socket to wait for: disconnect() only stops the retries.
  const connected = redis.status !== 'reconnecting';
  const ended = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    redis.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (redis.status === 'ready') await redis.quit().catch(() => undefined);
  redis.disconnect();
  if (connected) await ended;
}

/**
 * The limits the configuration asks for, on Redis when there is one; else, in a cluster worker (`worker`), counted
 * by the primary for every worker of the instance; else in this process.
 */
export function rateLimitsFor(config: Config, redis: Redis | null, worker = false): RateLimits {
  if (!config.rateLimits.enabled) return RateLimits.disabled();
  return RateLimits.create(
    config.rateLimits.table,
    redis
      ? { kind: 'redis', client: redis, keyPrefix: config.redisKeyPrefix }
      : { kind: worker ? 'cluster' : 'memory' },
  );
}
