import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The procedures that are rate limited; `rateLimit(rule)` applies one to a procedure. */
export const RATE_LIMIT_RULES = [
  'login',
  'register',
  'refresh',
  'passwordForgot',
  'passwordReset',
  'verify',
  'reauth',
  'apiKey',
  'mfa',
  'passkeyLogin',
] as const;
export type RateLimitRule = (typeof RATE_LIMIT_RULES)[number];

/** At most `points` calls (or failures) in `seconds`. */
export interface Quota {
  points: number;
  seconds: number;
}

/**
 * The buckets each rule counts in, and their defaults. Every call is counted per IP (`ip`) and per subject
 * (`account`: the normalised email or username; `token`: a hash of the token given). Logins count failures
 * instead of calls per subject: `account_ip_failures` (tight, reset by a successful login from that IP) and
 * `account_failures` (looser, across all IPs; IPs the account logged in from recently are exempt, so an
 * attacker spread over many IPs slows an account down without locking its owner out). An account is known by its
 * id once it is found, so its email and its username share one counter.
 *
 * `reauth` counts wrong passwords given to a signed-in check (password change, email change, any later
 * re-authentication) per account and per IP, in counters of its own: a stolen token guessing passwords is stopped
 * without ever locking the owner out of login.
 *
 * `apiKey` counts every call authenticated by an API key, per key (`RateLimits.admitKey`), whatever the procedure.
 * `mfa` counts the calls of a login's second step per IP and per `mfa_token`, and `passkeyLogin` the calls of a
 * passwordless login per IP. Wrong second-factor codes have limits of their own that no setting turns off (five per
 * `mfa_token`, ten per account in 15 minutes: see services/mfa-state.ts).
 */
export const DEFAULT_RATE_LIMITS = {
  login: {
    ip: { points: 100, seconds: 15 * 60 },
    account_ip_failures: { points: 10, seconds: 15 * 60 },
    account_failures: { points: 100, seconds: 60 * 60 },
  },
  register: {
    ip: { points: 20, seconds: 60 * 60 },
    account: { points: 5, seconds: 60 * 60 },
  },
  refresh: {
    ip: { points: 300, seconds: 15 * 60 },
    token: { points: 30, seconds: 60 },
  },
  passwordForgot: {
    ip: { points: 10, seconds: 60 * 60 },
    account: { points: 3, seconds: 60 * 60 },
  },
  passwordReset: {
    ip: { points: 20, seconds: 60 * 60 },
    token: { points: 10, seconds: 60 * 60 },
  },
  verify: {
    ip: { points: 20, seconds: 60 * 60 },
    token: { points: 10, seconds: 60 * 60 },
  },
  reauth: {
    ip_failures: { points: 30, seconds: 15 * 60 },
    account_failures: { points: 10, seconds: 15 * 60 },
  },
  mfa: {
    ip: { points: 100, seconds: 15 * 60 },
    token: { points: 20, seconds: 5 * 60 },
  },
  passkeyLogin: {
    ip: { points: 100, seconds: 15 * 60 },
  },
  apiKey: {
    key: { points: 600, seconds: 60 },
  },
} as const satisfies Record<RateLimitRule, Record<string, Quota>>;

export type RateLimitTable = {
  [R in RateLimitRule]: { [B in keyof (typeof DEFAULT_RATE_LIMITS)[R]]: Quota };
};

/**
 * How long a successful login exempts its (account, IP) pair from the account-wide failure limit. Durations stay
 * within MAX_SECONDS: in-memory counters expire by timer, and Node's timers end at 2^31 ms (under 25 days).
 */
export const KNOWN_IP_SECONDS = 14 * 24 * 60 * 60;
const MAX_SECONDS = 14 * 24 * 60 * 60;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const OVERRIDE = /^([A-Za-z]+)\.([a-z_]+)=(\d{1,9})\/(\d{1,6})([smhd]?)$/;

/**
 * The default table with overrides applied: `login.ip=100/15m,register.account=5/1h` (units s, m, h, d;
 * seconds when none). Throws an Error naming the first bad entry.
 */
export function rateLimitTable(overrides = ''): RateLimitTable {
  const table = structuredClone(DEFAULT_RATE_LIMITS) as unknown as Record<string, Record<string, Quota>>;
  for (const entry of overrides
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = OVERRIDE.exec(entry);
    if (!match) throw new Error(`"${entry}" is not rule.bucket=points/duration (e.g. login.ip=100/15m)`);
    const [, rule, bucket, points, amount, unit] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const buckets = Object.hasOwn(table, rule) ? table[rule] : undefined;
    if (!buckets) throw new Error(`"${rule}" is not a rule (${RATE_LIMIT_RULES.join(', ')})`);
    if (!Object.hasOwn(buckets, bucket)) {
      throw new Error(`"${bucket}" is not a bucket of ${rule} (${Object.keys(buckets).join(', ')})`);
    }
    const seconds = Number(amount) * UNITS[unit || 's']!;
    if (Number(points) < 1 || seconds < 1)
      throw new Error(`"${entry}": points and duration must be positive`);
    if (seconds > MAX_SECONDS) throw new Error(`"${entry}": the longest duration is 14d`);
    buckets[bucket] = { points: Number(points), seconds };
  }
  return table as unknown as RateLimitTable;
}

/** The form an account is known by: trimmed, NFC, lower case (as emails and usernames are compared). */
export function accountKey(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const normal = value.trim().normalize('NFC').toLowerCase();
  return normal ? digest(`account:${normal}`) : null;
}

/** An account that was found, by its id: its email and its username are one account. */
export function accountIdKey(id: number): string {
  return `id:${id}`;
}

/** Tokens are never stored, even in a counter's name: a prefix of their hash stands for them. */
export function tokenKey(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? digest(`token:${value}`) : null;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

function expandIPv6(ip: string): number[] {
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const part = (s: string) => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const left = part(head);
  const right = part(tail ?? '');
  return tail === undefined
    ? left
    : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 too); IPv6 by its /64, since one host
 * usually holds a whole /64. Anything else (no address: in-process callers) shares one bucket.
 */
export function ipKey(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0]!;
  if (!isIPv6(bare) || bare.includes('.')) return bare.toLowerCase();
  return `${expandIPv6(bare)
    .slice(0, 4)
    .map((n) => n.toString(16))
    .join(':')}::/64`;
}
