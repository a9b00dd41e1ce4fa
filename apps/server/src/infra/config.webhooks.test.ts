import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

// The WEBHOOK_* variables: defaults, the retry schedule's syntax, and the lease that must outlive an attempt.

const SECRET = 'a-secret-key-that-is-at-least-32-bytes-long';
const load = (over: Record<string, string> = {}) => loadConfig({ SECRET_KEY: SECRET, ...over });

describe('loadConfig: webhooks', () => {
  it('defaults to about a day of retries, 10 s attempts, private addresses refused', () => {
    const { webhooks } = load();
    expect(webhooks).toEqual({
      allowPrivate: false,
      retryScheduleMs: [
        5_000, 60_000, 300_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
      ],
      timeoutMs: 10_000,
      leaseMs: 60_000,
      pollMs: 2_000,
      concurrency: 8,
      retentionDays: 30,
    });
    const total = webhooks.retryScheduleMs.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(28);
  });

  it('reads every unit of the schedule', () => {
    expect(load({ WEBHOOK_RETRY_SCHEDULE: '250ms, 2s,3m,1h,1d' }).webhooks.retryScheduleMs).toEqual([
      250, 2_000, 180_000, 3_600_000, 86_400_000,
    ]);
    expect(load({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: '0' }).webhooks).toMatchObject({
      allowPrivate: true,
      concurrency: 0,
    });
  });

  it.each(['5', '5x', '1s,,2s', '8d', '0s', Array.from({ length: 21 }, () => '1s').join(',')])(
    'refuses the schedule %j',
    (schedule) => {
      expect(() => load({ WEBHOOK_RETRY_SCHEDULE: schedule })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    },
  );

  it('refuses a lease no longer than the timeout', () => {
    expect(() => load({ WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_LEASE_MS: '5000' })).toThrow(ConfigError);
    expect(() => load({ WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_LEASE_MS: '5000' })).toThrow(/WEBHOOK_LEASE_MS/);
    expect(() => load({ WEBHOOK_TIMEOUT_MS: '50' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});
