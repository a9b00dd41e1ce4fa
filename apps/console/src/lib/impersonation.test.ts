import { describe, expect, it } from 'vitest';
import {
  expiresAtFrom,
  formatTimeLeft,
  impersonatedByLabel,
  impersonationBlocker,
  parseActing,
  reasonError,
  secondsUntil,
  serializeActing,
  type ActingAs,
} from './impersonation';

const acting: ActingAs = {
  token: 'eyJ.token.sig',
  user: { id: 7, username: 'grace' },
  admin: { id: 1, username: 'root' },
  reason: 'Ticket 4711',
  expiresAt: 1_770_000_900_000,
};

describe('what sessionStorage keeps', () => {
  it('reads back what it wrote', () => {
    expect(parseActing(serializeActing(acting))).toEqual(acting);
  });

  it('drops extra fields and refuses anything malformed', () => {
    expect(parseActing(JSON.stringify({ ...acting, extra: true }))).toEqual(acting);
    expect(parseActing(null)).toBeNull();
    expect(parseActing('')).toBeNull();
    expect(parseActing('{not json')).toBeNull();
    expect(parseActing('42')).toBeNull();
    expect(parseActing('null')).toBeNull();
    const broken: Record<string, unknown>[] = [
      { ...acting, token: '' },
      { ...acting, token: 5 },
      { ...acting, user: { id: '7', username: 'grace' } },
      { ...acting, user: null },
      { ...acting, admin: { id: 1 } },
      { ...acting, reason: undefined },
      { ...acting, expiresAt: '2026-01-01' },
      { ...acting, expiresAt: null },
    ];
    for (const value of broken) expect(parseActing(JSON.stringify(value))).toBeNull();
  });
});

describe('the countdown', () => {
  it('ends expires_in seconds after it started', () => {
    expect(expiresAtFrom(900, 1_000)).toBe(901_000);
  });

  it('counts whole seconds, rounding up, never below zero', () => {
    expect(secondsUntil(10_000, 0)).toBe(10);
    expect(secondsUntil(10_000, 9_001)).toBe(1);
    expect(secondsUntil(10_000, 10_000)).toBe(0);
    expect(secondsUntil(10_000, 20_000)).toBe(0);
  });

  it('says minutes while there are some, then seconds', () => {
    expect(formatTimeLeft(900)).toBe('15 minutes left');
    expect(formatTimeLeft(899)).toBe('15 minutes left');
    expect(formatTimeLeft(841)).toBe('15 minutes left');
    expect(formatTimeLeft(840)).toBe('14 minutes left');
    expect(formatTimeLeft(61)).toBe('2 minutes left');
    expect(formatTimeLeft(60)).toBe('1 minute left');
    expect(formatTimeLeft(59)).toBe('59 seconds left');
    expect(formatTimeLeft(1)).toBe('1 second left');
    expect(formatTimeLeft(0)).toBe('no time left');
    expect(formatTimeLeft(-5)).toBe('no time left');
  });
});

describe('starting', () => {
  it('asks a reason of 3 to 500 characters, trimmed', () => {
    expect(reasonError('  ab  ')).toMatch(/at least 3 characters/);
    expect(reasonError('')).toMatch(/at least 3 characters/);
    expect(reasonError('abc')).toBeNull();
    expect(reasonError('x'.repeat(500))).toBeNull();
    expect(reasonError('x'.repeat(501))).toBe('Use at most 500 characters.');
  });

  it('is not offered for oneself, admins or deactivated accounts', () => {
    const me = { id: 1 };
    expect(impersonationBlocker({ id: 1, role: 'admin', is_active: true }, me)).toMatch(/yourself/);
    expect(impersonationBlocker({ id: 2, role: 'admin', is_active: true }, me)).toBe(
      'Admins cannot be impersonated.',
    );
    expect(impersonationBlocker({ id: 3, role: 'user', is_active: false }, me)).toMatch(/deactivated/);
    expect(impersonationBlocker({ id: 4, role: 'user', is_active: true }, me)).toBeNull();
  });
});

describe('impersonations in session lists', () => {
  it('names the admin by username, by id once the account is gone, and nothing for own sign-ins', () => {
    expect(impersonatedByLabel({ id: 1, username: 'root' })).toBe('Impersonation by root');
    expect(impersonatedByLabel({ id: 9, username: null })).toBe('Impersonation by a deleted admin (#9)');
    expect(impersonatedByLabel(null)).toBeNull();
  });
});
