import { DEFAULT_RATE_LIMITS } from '@roster/api';
import { closedPort } from '@roster/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { closeRedis, connectRedis, rateLimitsFor } from './redis.js';
import { TEST_REDIS_URL } from '../test/redis.js';

// The rate-limit configuration and the Redis client's life: connecting, failing to, closing.

const base = { SECRET_KEY: 'a-secret-key-that-is-at-least-32-bytes-long', DATA_DIR: '/tmp/roster-unused' };
const silent = pino({ level: 'silent' });

describe('rate-limit configuration', () => {
  it('defaults to the documented limits, in memory, under the roster: prefix', () => {
    const config = loadConfig(base);
    expect(config.rateLimits).toEqual({ enabled: true, table: DEFAULT_RATE_LIMITS });
    expect(config.redisUrl).toBeNull();
    expect(config.redisKeyPrefix).toBe('roster:');
    expect(rateLimitsFor(config, null)).toMatchObject({ enabled: true });
  });

  it('reads overrides, the switch and the prefix', () => {
    const config = loadConfig({
      ...base,
      RATE_LIMIT_ENABLED: 'false',
      RATE_LIMITS: 'login.ip=5/1m, verify.token=3/1h',
      REDIS_KEY_PREFIX: 'staging:roster:',
    });
    expect(config.rateLimits.enabled).toBe(false);
    expect(config.rateLimits.table.login.ip).toEqual({ points: 5, seconds: 60 });
    expect(config.rateLimits.table.verify.token).toEqual({ points: 3, seconds: 3600 });
    expect(config.redisKeyPrefix).toBe('staging:roster:');
    expect(rateLimitsFor(config, null)).toMatchObject({ enabled: false });
  });

  it.each([
    ['RATE_LIMITS', 'login.ip=lots', 'RATE_LIMITS: "login.ip=lots" is not rule.bucket=points/duration'],
    ['RATE_LIMITS', 'signup.ip=1/1m', 'RATE_LIMITS: "signup" is not a rule'],
    ['RATE_LIMIT_ENABLED', 'maybe', 'RATE_LIMIT_ENABLED'],
    ['REDIS_KEY_PREFIX', 'has space', 'REDIS_KEY_PREFIX: Expected 1-64 of'],
  ])('refuses %s=%j', (name, value, message) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(message);
  });
});

describe('the Redis client', () => {
  it('is null without REDIS_URL, and closing null is a no-op', async () => {
    expect(await connectRedis(loadConfig(base), silent)).toBeNull();
    await closeRedis(null);
  });

  it('connects to a live Redis and quits', async () => {
    const redis = await connectRedis(loadConfig({ ...base, REDIS_URL: TEST_REDIS_URL }), silent);
    expect(redis?.status).toBe('ready');
    await closeRedis(redis);
    expect(redis?.status).toBe('end');
  });

  it('gives up waiting on a Redis that does not answer, and still closes', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const config = loadConfig({ ...base, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const redis = await connectRedis(config, logger);
    expect(redis?.status).not.toBe('ready');
    expect(lines.filter((l) => l.includes('"redis unreachable"'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('redis is not reachable yet'))).toBe(true);
    const started = Date.now();
    await closeRedis(redis);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Nothing more happens: no reconnection attempt, no warning.
    let attempts = 0;
    redis?.on('connecting', () => (attempts += 1)).on('reconnecting', () => (attempts += 1));
    const logged = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(attempts).toBe(0);
    expect(lines).toHaveLength(logged);
  });
});
