import { describe, expect, it } from 'vitest';
import {
  describeAction,
  describeDetails,
  describeUserAgent,
  formatCount,
  formatDateTime,
  formatDay,
  formatRelative,
} from './format';

const UTC = { timeZone: 'UTC' };

describe('dates', () => {
  it('formats a timestamp in the given zone, and an em dash for none or garbage', () => {
    expect(formatDateTime('2026-01-31T12:05:00.000Z', UTC)).toBe('31 Jan 2026, 12:05');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a date')).toBe('—');
  });

  it('formats a UTC day', () => {
    expect(formatDay('2026-03-07')).toBe('7 Mar');
    expect(formatDay('garbage')).toBe('garbage');
  });

  it('says how long ago, then falls back to the date', () => {
    const now = new Date('2026-02-01T12:00:00.000Z');
    const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
    expect(formatRelative(ago(10_000), now)).toBe('just now');
    expect(formatRelative(ago(60_000), now)).toBe('1 minute ago');
    expect(formatRelative(ago(5 * 60_000), now)).toBe('5 minutes ago');
    expect(formatRelative(ago(3_600_000), now)).toBe('1 hour ago');
    expect(formatRelative(ago(3 * 3_600_000), now)).toBe('3 hours ago');
    expect(formatRelative(ago(24 * 3_600_000), now)).toBe('yesterday');
    expect(formatRelative(ago(3 * 24 * 3_600_000), now)).toBe('3 days ago');
    expect(formatRelative(ago(30 * 24 * 3_600_000), now, UTC)).toBe('2 Jan 2026, 12:00');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('nope', now)).toBe('—');
    expect(formatRelative(ago(0))).toMatch(/ago|just now|202/);
  });
});

describe('counts', () => {
  it('groups thousands', () => {
    expect(formatCount(12345)).toBe('12,345');
    expect(formatCount(0)).toBe('0');
  });
});

describe('describeUserAgent', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36',
      'Headless Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
      'Firefox on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
      'Edge on macOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 OPR/80',
      'Opera on Android',
    ],
    ['curl/8.5.0', 'curl'],
    ['Mozilla/5.0 (X11; Linux x86_64)', 'Linux'],
    ['node', 'node'],
    ['a'.repeat(60), `${'a'.repeat(40)}…`],
  ])('%s → %s', (ua, expected) => {
    expect(describeUserAgent(ua)).toBe(expected);
  });

  it('names a missing one', () => {
    expect(describeUserAgent(null)).toBe('Unknown device');
    expect(describeUserAgent('')).toBe('Unknown device');
  });
});

describe('audit wording', () => {
  it('turns an action into a sentence, marking admin actions', () => {
    expect(describeAction('user.password_changed')).toBe('Password changed');
    expect(describeAction('admin.user_updated')).toBe('User updated (by an admin)');
    expect(describeAction('plain')).toBe('Plain');
  });

  it('describes details: diffs, nested objects, scalars', () => {
    expect(describeDetails(null)).toBe('');
    expect(
      describeDetails({
        full_name: ['Ada', 'Ada King'],
        reason: 'bad_password',
        ended: 2,
        nested: { role: 'admin' },
      }),
    ).toBe('full_name: "Ada" → "Ada King"; reason: bad_password; ended: 2; nested: role: admin');
  });
});
