import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_ERRORS,
  attemptsVersion,
  describeAttempt,
  formatDuration,
  formatStarted,
  type Attempt,
} from './webhook-attempts';
import type { Delivery } from './webhooks';

const UTC = { locale: 'en-GB', timeZone: 'UTC' };
const ANSWERED: Attempt = {
  number: 3,
  started_at: '2026-01-31T12:00:05.250Z',
  duration_ms: 35,
  status_code: 503,
  succeeded: false,
  error_kind: null,
  response_body: '{"error":"down for maintenance"}',
};

describe('an attempt’s row', () => {
  it('shows an answer: its number, start to the second, status, duration and body', () => {
    expect(describeAttempt(ANSWERED, UTC)).toEqual({
      label: '#3',
      started: '31 Jan 2026, 12:00:05',
      duration: '35 ms',
      result: 'HTTP 503',
      tone: 'warn',
      body: '{"error":"down for maintenance"}',
      bodyNote: 'Empty body',
    });
    expect(
      describeAttempt({ ...ANSWERED, status_code: 204, succeeded: true, response_body: null }),
    ).toMatchObject({ result: 'HTTP 204', tone: 'ok', body: null, bodyNote: 'Empty body' });
  });

  it('says why no answer came, in words, for every kind', () => {
    const failed = { ...ANSWERED, status_code: null, response_body: null, duration_ms: 10_000 };
    expect(describeAttempt({ ...failed, error_kind: 'timeout' })).toMatchObject({
      result: 'Timed out',
      tone: 'warn',
      duration: '10 s',
      body: null,
      bodyNote: 'No answer',
    });
    expect(describeAttempt({ ...failed, error_kind: 'address_not_allowed' }).result).toBe(
      'Address not allowed',
    );
    expect(describeAttempt({ ...failed, error_kind: null }).result).toBe('Network error');
    for (const words of Object.values(ATTEMPT_ERRORS)) expect(words).toMatch(/^[A-Z][a-zA-Z ]+$/);
  });
});

describe('formatting', () => {
  it('gives durations in ms, then seconds', () => {
    expect([0, 999, 1_000, 1_250, 9_949, 10_000, 59_600].map(formatDuration)).toEqual([
      '0 ms',
      '999 ms',
      '1.0 s',
      '1.3 s',
      '9.9 s',
      '10 s',
      '60 s',
    ]);
  });

  it('gives starts to the second, and a dash for nonsense', () => {
    expect(formatStarted('2026-01-31T23:59:59.999Z', UTC)).toBe('31 Jan 2026, 23:59:59');
    expect(formatStarted('2026-01-31T23:59:59.999Z', { timeZone: 'Europe/Berlin' })).toBe(
      '1 Feb 2026, 00:59:59',
    );
    expect(formatStarted('yesterday')).toBe('—');
  });
});

describe('attemptsVersion', () => {
  const delivery: Pick<Delivery, 'status' | 'attempts' | 'last_attempt_at' | 'next_attempt_at'> = {
    status: 'pending',
    attempts: 1,
    last_attempt_at: '2026-01-31T12:00:00.000Z',
    next_attempt_at: '2026-01-31T12:00:00.000Z',
  };

  it('changes with a claim, a result and a retry by hand, and only then', () => {
    const claimedAgain = { ...delivery, attempts: 2, last_attempt_at: '2026-01-31T12:00:05.000Z' };
    const retrying = { ...delivery, next_attempt_at: '2026-01-31T12:00:05.000Z' };
    const delivered = { ...delivery, status: 'delivered' as const, next_attempt_at: null };
    const versions = [delivery, claimedAgain, retrying, delivered, { ...delivery, attempts: 0 }].map(
      attemptsVersion,
    );
    expect(new Set(versions).size).toBe(versions.length);
    expect(attemptsVersion({ ...delivery })).toBe(versions[0]);
  });
});
