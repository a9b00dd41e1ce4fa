import { describe, expect, it } from 'vitest';
import {
  accountKey,
  DEFAULT_RATE_LIMITS,
  ipKey,
  KNOWN_IP_SECONDS,
  rateLimitTable,
  tokenKey,
} from './rules.js';

describe('rateLimitTable', () => {
  it('is the defaults when nothing is overridden', () => {
    expect(rateLimitTable()).toEqual(DEFAULT_RATE_LIMITS);
    expect(rateLimitTable(' , ')).toEqual(DEFAULT_RATE_LIMITS);
  });

  it('applies overrides with s, m, h and d units (seconds without one), leaving the defaults alone', () => {
    const table = rateLimitTable(
      'login.ip=5/30s, register.account=2/15m,verify.token=7/2h,refresh.ip=9/1d,login.account_failures=3/45',
    );
    expect(table.login.ip).toEqual({ points: 5, seconds: 30 });
    expect(table.register.account).toEqual({ points: 2, seconds: 900 });
    expect(table.verify.token).toEqual({ points: 7, seconds: 7200 });
    expect(table.refresh.ip).toEqual({ points: 9, seconds: 86400 });
    expect(table.login.account_failures).toEqual({ points: 3, seconds: 45 });
    expect(table.login.account_ip_failures).toEqual(DEFAULT_RATE_LIMITS.login.account_ip_failures);
    expect(DEFAULT_RATE_LIMITS.login.ip.points).toBe(100);
  });

  it('names what is wrong', () => {
    expect(() => rateLimitTable('login.ip=5')).toThrow('"login.ip=5" is not rule.bucket=points/duration');
    expect(() => rateLimitTable('logon.ip=5/1m')).toThrow('"logon" is not a rule (login, register,');
    expect(() => rateLimitTable('toString.ip=5/1m')).toThrow('"toString" is not a rule');
    expect(() => rateLimitTable('register.token=5/1m')).toThrow(
      '"token" is not a bucket of register (ip, account)',
    );
    expect(() => rateLimitTable('login.ip=0/1m')).toThrow('points and duration must be positive');
    expect(() => rateLimitTable('login.ip=1/0h')).toThrow('points and duration must be positive');
    expect(() => rateLimitTable('login.ip=1/15d')).toThrow('the longest duration is 14d');
    expect(rateLimitTable('login.ip=1/14d').login.ip.seconds).toBe(KNOWN_IP_SECONDS);
  });
});

describe('keys', () => {
  it('knows an account by its trimmed, NFC, lower-case form, and never by the form itself', () => {
    const key = accountKey('  José@Example.COM ');
    expect(key).toBe(accountKey('jose\u0301@example.com'));
    expect(key).not.toContain('example');
    expect(accountKey('other@example.com')).not.toBe(key);
    for (const none of ['', '   ', undefined, 42]) expect(accountKey(none)).toBeNull();
  });

  it('stands for a token by a hash prefix', () => {
    const key = tokenKey('secret-token');
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(key).not.toBe(tokenKey('secret-token2'));
    expect(tokenKey('')).toBeNull();
    expect(tokenKey(null)).toBeNull();
  });

  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(ipKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(ipKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
    expect(ipKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(ipKey('::1.2.3.4')).toBe('::1.2.3.4');
    expect(ipKey('not-an-ip')).toBe('not-an-ip');
    expect(ipKey(null)).toBe('unknown');
    expect(ipKey('')).toBe('unknown');
  });
});
