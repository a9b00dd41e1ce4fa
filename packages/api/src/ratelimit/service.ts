import {
  RateLimiterCluster,
  RateLimiterClusterMaster,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { AppError } from '../errors.js';
import {
  KNOWN_IP_SECONDS,
  rateLimitTable,
  type Quota,
  type RateLimitRule,
  type RateLimitTable,
} from './rules.js';

/** What a rate-limited call is counted by. */
export interface RateLimitSubject {
  ip: string;
  /** The account or token the call is about (already hashed); null when the input names none. */
  subject: string | null;
}

/** How a password check ended, as CredentialChecks tells the service. */
export type CallOutcome = 'success' | 'credential_failure' | 'other_failure';

/** One admitted password check; `settle` adjusts the counters to how it ended (see `admitCredentials`). */
export interface Admission {
  settle(outcome: CallOutcome): Promise<void>;
}

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', 'Too many requests: try again later', {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/**
 * Where the counters live: this process, the primary of a node:cluster (every worker of one instance asks it over
 * IPC; see `serveClusterRateLimits`), or a Redis shared by every instance.
 */
export type RateLimitStore =
  | { kind: 'memory' }
  | { kind: 'cluster' }
  | {
      kind: 'redis';
      /** An ioredis (or node-redis) client; created and closed by the caller. */
      client: object;
      /** Prepended to every key, e.g. `roster:`. */
      keyPrefix: string;
    };

/** How long a worker waits for the primary's answer before the call fails (the primary is local: never slow). */
const CLUSTER_TIMEOUT_MS = 3_000;

/**
 * Counters kept by the cluster's primary. The library's worker side has no `set`: the one limiter that uses it
 * (`known_ip`, one point for its whole duration) gets the same by deleting the key and charging that point again.
 */
class ClusterLimiter extends RateLimiterCluster {
  override async set(key: string | number, points: number): Promise<RateLimiterRes> {
    await this.delete(key);
    return this.penalty(key, points);
  }
}

/**
 * Call once in a node:cluster primary before forking: it keeps the counters of every worker whose RateLimits use
 * `{ kind: 'cluster' }`, so a limit holds across the workers as it does in one process.
 */
export function serveClusterRateLimits(): void {
  new RateLimiterClusterMaster();
}

const admitted: Admission = { settle: async () => undefined };

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Over the limit → RateLimitedError; a store failure with no insurance left is rethrown as it is. */
function refusal(error: unknown): never {
  if (error instanceof RateLimiterRes) throw new RateLimitedError(retryAfter(error));
  throw error;
}

/**
 * The counters behind `rateLimit(rule)`. In memory by default; on Redis every instance shares them, and while
 * Redis cannot be reached each instance falls back to counting in its own memory (limits then hold per instance
 * instead of across them) until Redis is back.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  private constructor(
    readonly enabled: boolean,
    readonly table: RateLimitTable,
    private readonly store: RateLimitStore,
  ) {}

  /** Limits as the table says, counted in `store`. */
  static create(
    table: RateLimitTable = rateLimitTable(),
    store: RateLimitStore = { kind: 'memory' },
  ): RateLimits {
    return new RateLimits(true, table, store);
  }

  /** Nothing is limited (the default for in-process callers such as tests and scripts). */
  static disabled(): RateLimits {
    return new RateLimits(false, rateLimitTable(), { kind: 'memory' });
  }

  private limiter(rule: RateLimitRule, bucket: string, quota: Quota): RateLimiterAbstract {
    const name = `${rule}:${bucket}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      const opts = { keyPrefix: `rl:${name}`, points: quota.points, duration: quota.seconds };
      limiter =
        this.store.kind === 'memory'
          ? new RateLimiterMemory(opts)
          : this.store.kind === 'cluster'
            ? new ClusterLimiter({ ...opts, timeoutMs: CLUSTER_TIMEOUT_MS })
            : new RateLimiterRedis({
                ...opts,
                keyPrefix: `${this.store.keyPrefix}${opts.keyPrefix}`,
                storeClient: this.store.client,
                rejectIfRedisNotReady: true,
                insuranceLimiter: new RateLimiterMemory(opts),
              });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  private bucket(rule: RateLimitRule, bucket: string): RateLimiterAbstract {
    const quota = (this.table[rule] as Record<string, Quota>)[bucket]!;
    return this.limiter(rule, bucket, quota);
  }

  /**
   * Counts one call to `rule` before it runs; throws RateLimitedError (RATE_LIMITED, Retry-After) when a
   * bucket is full. Counting first makes concurrent calls (a batch of ten logins) count one by one. Logins are
   * counted per IP here and per account by `admitCredentials`, once the account is known (re-authentications
   * only there).
   */
  async admit(rule: RateLimitRule, who: RateLimitSubject): Promise<void> {
    if (!this.enabled || rule === 'reauth' || rule === 'apiKey') return;
    await this.bucket(rule, 'ip').consume(who.ip).catch(refusal);
    if (who.subject === null || rule === 'login') return;
    const bucket = rule === 'register' || rule === 'passwordForgot' ? 'account' : 'token';
    await this.bucket(rule, bucket).consume(who.subject).catch(refusal);
  }

  /**
   * Counts one call made with an API key (`tokenKey` of the key), whatever the procedure; RateLimitedError when
   * the key is over its limit (`apiKey.key`).
   */
  async admitKey(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.bucket('apiKey', 'key').consume(key).catch(refusal);
  }

  /**
   * A password check about to run for `account` (`accountIdKey` of a found account, else `accountKey` of the
   * name given). It is charged as a failure up front and refunded when it turns out not to be one: concurrent
   * guesses cannot all slip in under the limit before the first one is counted.
   */
  async admitCredentials(rule: 'login' | 'reauth', ip: string, account: string): Promise<Admission> {
    if (!this.enabled) return admitted;
    return rule === 'login' ? this.admitLogin(ip, account) : this.admitReauth(ip, account);
  }

  private async admitLogin(ip: string, account: string): Promise<Admission> {
    const pairKey = `${account}:${ip}`;
    const pair = this.bucket('login', 'account_ip_failures');
    const accountWide = this.bucket('login', 'account_failures');
    const known = this.limiter('login', 'known_ip', { points: 1, seconds: KNOWN_IP_SECONDS });
    await pair.consume(pairKey).catch(refusal);
    const isKnown = (await known.get(pairKey)) !== null;
    try {
      // A known IP is charged too (its failures still count) but never refused by the account-wide limit.
      if (isKnown) await accountWide.penalty(account);
      else await accountWide.consume(account);
    } catch (error) {
      await pair.reward(pairKey);
      refusal(error);
    }
    return {
      async settle(outcome) {
        if (outcome === 'credential_failure') return;
        if (outcome === 'success') {
          await Promise.all([pair.delete(pairKey), known.set(pairKey, 1, KNOWN_IP_SECONDS)]);
        } else {
          await pair.reward(pairKey);
        }
        await accountWide.reward(account);
      },
    };
  }

  private async admitReauth(ip: string, account: string): Promise<Admission> {
    const byIp = this.bucket('reauth', 'ip_failures');
    const byAccount = this.bucket('reauth', 'account_failures');
    await byIp.consume(ip).catch(refusal);
    try {
      await byAccount.consume(account);
    } catch (error) {
      await byIp.reward(ip);
      refusal(error);
    }
    return {
      async settle(outcome) {
        if (outcome === 'credential_failure') return;
        await Promise.all([byIp.reward(ip), byAccount.reward(account)]);
      },
    };
  }
}
