import { describe, expect, it } from 'vitest';
import {
  ALL_SCOPES,
  DEFAULT_KEY_DAYS,
  describeExpiry,
  isExpired,
  keyLabel,
  newKeyErrors,
  newKeyInput,
  scopesFor,
  toggleScope,
} from './api-keys';

const NOW = new Date('2026-02-01T12:00:00.000Z');
const inMs = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('scopes on offer', () => {
  it('lists every scope the API knows, in its order, the admin ones marked', () => {
    expect(ALL_SCOPES.map((c) => c.scope)).toEqual([
      'profile:read',
      'profile:write',
      'users:read',
      'admin:read',
      'admin:write',
    ]);
    expect(ALL_SCOPES.filter((c) => c.admin).map((c) => c.scope)).toEqual(['admin:read', 'admin:write']);
    expect(ALL_SCOPES.every((c) => c.description.length > 10)).toBe(true);
  });

  it('offers admin scopes to admins only', () => {
    expect(scopesFor('admin')).toHaveLength(5);
    expect(scopesFor('user').map((c) => c.scope)).toEqual(['profile:read', 'profile:write', 'users:read']);
  });

  it('keeps checked scopes in the API order, once each', () => {
    let scopes = toggleScope([], 'users:read', true);
    scopes = toggleScope(scopes, 'profile:read', true);
    scopes = toggleScope(scopes, 'profile:read', true);
    expect(scopes).toEqual(['profile:read', 'users:read']);
    expect(toggleScope(scopes, 'profile:read', false)).toEqual(['users:read']);
    expect(toggleScope(scopes, 'admin:write', false)).toEqual(['profile:read', 'users:read']);
  });
});

describe('the new-key form', () => {
  const valid = { name: ' nightly export ', scopes: ['users:read', 'profile:read'] as const, days: '30' };

  it('passes a complete form, and sends it trimmed with the scopes in order', () => {
    expect(newKeyErrors(valid)).toEqual({});
    expect(newKeyInput(valid)).toEqual({
      name: 'nightly export',
      scopes: ['profile:read', 'users:read'],
      expires_in_days: 30,
    });
    expect(newKeyInput({ ...valid, days: ` ${DEFAULT_KEY_DAYS} ` }).expires_in_days).toBe(90);
  });

  it('asks for a name, a scope and a whole number of days from 1 to 365', () => {
    expect(newKeyErrors({ name: '  ', scopes: [], days: '' })).toEqual({
      name: 'Give the key a name, such as what uses it.',
      scopes: 'Choose at least one scope.',
      expires_in_days: 'Enter a whole number of days from 1 to 365.',
    });
    expect(newKeyErrors({ ...valid, name: 'x'.repeat(101) })).toEqual({
      name: 'Use at most 100 characters.',
    });
    expect(newKeyErrors({ ...valid, name: 'x'.repeat(100) })).toEqual({});
    for (const days of ['0', '366', '1.5', 'abc', '-3']) {
      expect(Object.keys(newKeyErrors({ ...valid, days }))).toEqual(['expires_in_days']);
    }
    for (const days of ['1', '365']) expect(newKeyErrors({ ...valid, days })).toEqual({});
  });
});

describe('expiry', () => {
  it('says when a key has expired', () => {
    expect(isExpired({ expires_at: inMs(-1) }, NOW)).toBe(true);
    expect(isExpired({ expires_at: inMs(0) }, NOW)).toBe(true);
    expect(isExpired({ expires_at: inMs(1000) }, NOW)).toBe(false);
    expect(isExpired({ expires_at: inMs(-1) })).toBe(true);
  });

  it('words the time left: hours, then days, then the date', () => {
    expect(describeExpiry(inMs(-DAY), NOW)).toBe('expired');
    expect(describeExpiry(inMs(30 * 60_000), NOW)).toBe('in 1 hour');
    expect(describeExpiry(inMs(5 * HOUR), NOW)).toBe('in 5 hours');
    expect(describeExpiry(inMs(23 * HOUR), NOW)).toBe('in 23 hours');
    expect(describeExpiry(inMs(23 * HOUR + 1), NOW)).toBe('in 1 day');
    expect(describeExpiry(inMs(DAY), NOW)).toBe('in 1 day');
    // A key made a moment ago for 30 days still says 30.
    expect(describeExpiry(inMs(30 * DAY - 50), NOW)).toBe('in 30 days');
    expect(describeExpiry(inMs(61 * DAY), NOW)).toBe('in 61 days');
    expect(describeExpiry(inMs(90 * DAY), NOW, { timeZone: 'UTC' })).toBe('on 2 May 2026, 12:00');
    expect(describeExpiry('not a date', NOW)).toBe('—');
    expect(describeExpiry(new Date(Date.now() + DAY).toISOString())).toBe('in 1 day');
  });

  it('names a key by its name and prefix', () => {
    expect(keyLabel({ name: 'backup', prefix: 'rst_abcd1234' })).toBe('“backup” (rst_abcd1234…)');
  });
});
