import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
// The light entry points: a cluster primary reads this configuration without loading the API or the ORM.
import { defaultHashConcurrency, rateLimitTable, type RateLimitTable } from '@roster/api/primary';
import { parseDatabaseUrl, POSTGRES_DEFAULTS } from '@roster/db/database-url';
import { z } from 'zod';

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'Expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** The most worker processes WEB_CONCURRENCY may ask for. */
export const MAX_WORKERS = 64;

const DURATION_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The webhook retry schedule: comma-separated waits (`500ms`, `5s`, `1m`, `2h`, `1d`), 1–20 of them. */
const retrySchedule = (defaults: string) =>
  z
    .string()
    .default(defaults)
    .transform((value, ctx) => {
      const waits = value.split(',').map((part) => {
        const match = /^\s*(\d{1,9})(ms|s|m|h|d)\s*$/.exec(part);
        return match ? Number(match[1]) * DURATION_MS[match[2] as keyof typeof DURATION_MS] : NaN;
      });
      if (waits.length > 20 || waits.some((ms) => !Number.isFinite(ms) || ms < 1 || ms > 7 * 86_400_000)) {
        ctx.addIssue({
          code: 'custom',
          message:
            'Expected 1-20 comma-separated waits such as 5s,1m,1h (units ms, s, m, h, d; each at most 7d)',
        });
        return z.NEVER;
      }
      return waits;
    });

/** Every environment variable Roster reads, with its default. `.env.example` documents the same list. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intFrom(0, 65535).default(8000),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/roster.db')
    .superRefine((url, ctx) => {
      try {
        parseDatabaseUrl(url);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^DATABASE_URL:? ?/, '') });
      }
    }),
  SECRET_KEY: z.string().optional(),
  ACCESS_TOKEN_EXPIRE_MINUTES: intFrom(1, 24 * 60).default(30),
  ALLOWED_ORIGINS: csv.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: 'Expected an http(s) URL' })
    .refine((u) => !u.includes('?') && !u.includes('#'), 'Must not have a query or fragment')
    .optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).default('roster'),
  ARGON2_MEMORY_KIB: intFrom(19456, 4 * 1024 * 1024).default(19456),
  ARGON2_TIME_COST: intFrom(2, 100).default(2),
  ARGON2_PARALLELISM: intFrom(1, 64).default(1),
  ARGON2_CONCURRENCY: intFrom(1, 256).optional(),
  DATA_DIR: z.string().default('./data'),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
  ADMIN_USERNAME: z.string().optional(),
  // Sessions, passwords and email.
  REFRESH_TOKEN_EXPIRE_DAYS: intFrom(1, 365).default(14),
  SESSION_MAX_DAYS: intFrom(1, 3650).default(30),
  REFRESH_REUSE_GRACE_SECONDS: intFrom(0, 300).default(10),
  REQUIRE_VERIFIED_EMAIL: z.stringbool().default(false),
  SMTP_URL: z.url({ protocol: /^smtps?$/, message: 'Expected an smtp:// or smtps:// URL' }).optional(),
  MAIL_FROM: z.string().min(3).default('Roster <no-reply@localhost>'),
  JWT_ALGORITHM: z.enum(['HS256', 'EdDSA', 'ES256']).default('HS256'),
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PREVIOUS_KEY: z.string().optional(),
  // Operations.
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  METRICS_TOKEN: z.string().min(16).optional(),
  METRICS_PUBLIC: z.stringbool().default(false),
  TRUST_PROXY: z.stringbool().default(false),
  // Longer than a proxy's 60 s idle timeout (see `keepAliveTimeoutMs`).
  KEEP_ALIVE_TIMEOUT_MS: intFrom(1_000, 10 * 60_000).default(72_000),
  SHUTDOWN_TIMEOUT_MS: intFrom(0, 10 * 60_000).default(10_000),
  SHUTDOWN_DELAY_MS: intFrom(0, 5 * 60_000).optional(),
  WEB_CONCURRENCY: intFrom(1, MAX_WORKERS).optional(),
  DATABASE_ACQUIRE_TIMEOUT_MS: intFrom(100, 60_000).default(POSTGRES_DEFAULTS.acquireTimeoutMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: intFrom(0, 60 * 60_000).default(
    POSTGRES_DEFAULTS.idleInTransactionTimeoutMs,
  ),
  AUTH_CACHE_TTL_SECONDS: intFrom(0, 300).default(5),
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'Expected a redis:// or rediss:// URL' }).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'Expected 1-64 of A-Z a-z 0-9 : _ . -')
    .default('roster:'),
  // Second factors.
  MFA_ENCRYPTION_KEY: z
    .string()
    .refine(
      (key) => (/^[0-9a-f]{64}$/i.test(key.trim()) ? 32 : Buffer.from(key.trim(), 'base64').length) === 32,
      'Expected 32 bytes, as base64 or 64 hex digits',
    )
    .optional(),
  REQUIRE_MFA_FOR_ADMINS: z.stringbool().default(false),
  MFA_ISSUER: z.string().min(1).max(64).default('Roster'),
  WEBAUTHN_RP_ID: z
    .string()
    .regex(
      /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i,
      'Expected a host name',
    )
    .optional(),
  WEBAUTHN_ORIGINS: csv
    .pipe(
      z.array(
        z
          .url({ protocol: /^https?$/, message: 'Expected http(s) origins' })
          .refine(
            (u) => new URL(u).origin === u.replace(/\/+$/, ''),
            'Expected an origin: scheme://host[:port]',
          )
          .transform((u) => new URL(u).origin),
      ),
    )
    .default([]),
  // Rate limits.
  RATE_LIMIT_ENABLED: z.stringbool().default(true),
  RATE_LIMITS: z
    .string()
    .default('')
    .transform((overrides, ctx) => {
      try {
        return rateLimitTable(overrides);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  // Webhooks.
  WEBHOOK_ALLOW_PRIVATE: z.stringbool().default(false),
  // About a day in all: 10 attempts.
  WEBHOOK_RETRY_SCHEDULE: retrySchedule('5s,1m,5m,30m,1h,2h,4h,8h,8h'),
  WEBHOOK_TIMEOUT_MS: intFrom(100, 60_000).default(10_000),
  WEBHOOK_LEASE_MS: intFrom(1_000, 60 * 60_000).default(60_000),
  WEBHOOK_POLL_MS: intFrom(50, 10 * 60_000).default(2_000),
  WEBHOOK_CONCURRENCY: intFrom(0, 256).default(8),
  WEBHOOK_RETENTION_DAYS: intFrom(1, 3650).default(30),
});

/**
 * Variables of Node's own (libuv, V8) that Roster reads only to size its hashing and its workers' memory; they are
 * not Roster's settings (not in .env.example), and a bad value is Node's to refuse.
 */
const nodeEnvSchema = z.object({
  UV_THREADPOOL_SIZE: intFrom(1, 1024).optional().catch(undefined),
  NODE_OPTIONS: z.string().optional(),
});

/** The names of every environment variable Roster reads. */
export const ENV_VARS: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string;
  /** SECRET_KEY, or the stored one; empty when start-up is to generate it (`secretSource: 'generated'`). */
  secretKey: string;
  /** Where the secret came from, for the start-up log (never the secret itself). */
  secretSource: 'env' | 'generated' | 'file';
  accessTokenExpireMinutes: number;
  allowedOrigins: string[];
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Where clients reach Roster; null when unset (documents then use relative URLs). */
  publicUrl: string | null;
  jwtIssuer: string;
  jwtAudience: string;
  argon2: { memoryCost: number; timeCost: number; parallelism: number; concurrency: number };
  dataDir: string;
  /** Applied at start-up only while no admin exists. */
  bootstrapAdmin: { email: string; username: string; password: string } | null;
  sessions: { refreshTokenDays: number; maxDays: number; reuseGraceSeconds: number };
  requireVerifiedEmail: boolean;
  /** SMTP when `smtpUrl` is set; otherwise a development transport that logs messages (never in production). */
  mail: { smtpUrl: string | null; from: string };
  jwtAlgorithm: 'HS256' | 'EdDSA' | 'ES256';
  /** PEM text or a path to a PEM file; required by EdDSA/ES256 in production. */
  jwtPrivateKey: string | null;
  /** The key being rotated out: still verifies, never signs. */
  jwtPreviousKey: string | null;
  /** Human-readable logs in development, JSON elsewhere, unless LOG_FORMAT says otherwise. */
  logFormat: 'json' | 'pretty';
  /**
   * When set, GET /metrics needs `Authorization: Bearer <token>`. Null: /metrics is open, which production allows
   * only with METRICS_PUBLIC=true (see `metricsAccess`).
   */
  metricsToken: string | null;
  /** Believe X-Forwarded-For / X-Forwarded-Proto (only behind a proxy that sets them). */
  trustProxy: boolean;
  /**
   * How long an idle keep-alive connection stays open (Node's own default is 5 s). Longer than the idle timeout of
   * the proxy in front (60 s for nginx's upstream keep-alive and for AWS's load balancers), so that the proxy, not
   * Roster, closes an idle connection: closed by Roster, a request the proxy sends on it at that moment is reset
   * and its client gets a 502.
   */
  keepAliveTimeoutMs: number;
  shutdownTimeoutMs: number;
  /**
   * On SIGTERM, how long the server keeps accepting (and answering) new connections with readiness already 503, so
   * that a load balancer stops sending traffic before the listening socket closes. 5 s in production, 0 otherwise.
   */
  shutdownDelayMs: number;
  /**
   * WEB_CONCURRENCY: worker processes serving one port (node:cluster). 1: one process, as always; more: a primary
   * does the once-only start-up work and keeps that many workers running (`infra/workers.ts`). Defaults to the
   * number of cores in production, 1 elsewhere.
   */
  webConcurrency: number;
  /**
   * What the primary adds to each worker's environment and flags, unless the operator set them: a libuv pool of
   * the worker's hash concurrency + 1 threads (each thread that ever hashed keeps a ~19.5 MiB glibc arena) and a
   * young generation of 4 MB, and an old generation capped at 160 MB (below the cap V8 lets the heap grow lazily:
   * reads beside saturating logins took a worker from 185 to 285 MB). Measured in docs/scaling.md ("Memory while
   * logins saturate"). And one V8 platform thread for the collector's helpers instead of Node's four: with a
   * worker per core, four more threads per worker took the cores from the workers in the middle of their pauses
   * (docs/scaling.md, "The collector's threads").
   */
  workerMemory: {
    threadPoolSize: number | null;
    semiSpaceMb: number | null;
    oldSpaceMb: number | null;
    v8PoolSize: number | null;
  };
  /** PostgreSQL: how long a request waits for a pooled connection (then 503 DATABASE_UNAVAILABLE). */
  databaseAcquireTimeoutMs: number;
  /** PostgreSQL: idle_in_transaction_session_timeout of every connection (0: none). */
  databaseIdleInTransactionTimeoutMs: number;
  /** How long a verified session and its user are believed without the database (0: always ask it). */
  authCacheTtlSeconds: number;
  /** Shared rate-limit counters (and cross-instance notifications) when set; in memory otherwise. */
  redisUrl: string | null;
  /** Prepended to every Redis key Roster writes. */
  redisKeyPrefix: string;
  /** The limits in force (defaults with RATE_LIMITS applied); `enabled: false` turns every limit off. */
  rateLimits: { enabled: boolean; table: RateLimitTable };
  webhooks: {
    /** Accept (and deliver to) URLs that resolve to loopback, private, link-local or metadata addresses. */
    allowPrivate: boolean;
    /** The waits between attempts (ms); after the last, the delivery fails and its endpoint is disabled. */
    retryScheduleMs: number[];
    /** One attempt, connection to answer. */
    timeoutMs: number;
    /** How long a claimed delivery is held: after a crash mid-attempt, another instance retries it after this. */
    leaseMs: number;
    /** How often the dispatcher looks for due deliveries (it is also woken by each commit that writes some). */
    pollMs: number;
    /** Attempts in flight at once on this instance; 0: this instance sends none. */
    concurrency: number;
    /** Delivered and failed deliveries are deleted after this many days. */
    retentionDays: number;
  };
  /** Second factors: the key TOTP secrets are encrypted with (null: derived from SECRET_KEY), admins' duty. */
  mfa: { encryptionKey: string | null; requireForAdmins: boolean; issuer: string };
  /** The WebAuthn relying party: null / [] take PUBLIC_URL's host and origin. */
  webauthn: { rpId: string | null; origins: string[] };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_BYTES = 32;
/** Long enough for a load balancer polling /health/ready every few seconds to take the instance out. */
const DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS = 5_000;
/** A worker's old-generation cap (MB): about three times the heap a worker uses under admin search at 100k users. */
const WORKER_OLD_SPACE_MB = 160;

/** Writes a generated secret under the data folder, readable by this user only (mode 0600, even if it existed). */
export function writePrivateFile(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * SECRET_KEY from the environment, else (outside production) the one kept under the data folder. Nothing is
 * written here: when neither holds a usable key the source is 'generated' and the key empty, and start-up
 * generates it (`provisionKeys`).
 */
function resolveSecret(given: string | undefined, production: boolean, dataDir: string) {
  if (given !== undefined && given !== '') {
    if (Buffer.byteLength(given) < MIN_SECRET_BYTES) {
      throw new ConfigError(`SECRET_KEY: must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    return { secretKey: given, secretSource: 'env' as const };
  }
  if (production) throw new ConfigError('SECRET_KEY: required when NODE_ENV=production');
  const file = resolve(dataDir, 'secret.key');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(stored) >= MIN_SECRET_BYTES)
      return { secretKey: stored, secretSource: 'file' as const };
  }
  return { secretKey: '', secretSource: 'generated' as const };
}

/**
 * Who may read /metrics: whoever holds METRICS_TOKEN, or, with METRICS_PUBLIC=true, anyone who can reach it. In
 * production one of the two must be chosen (the metrics tell traffic, error rates and login failures to whoever
 * reads them); elsewhere an unset token leaves /metrics open, as it always was for development.
 */
function metricsAccess(e: z.infer<typeof envSchema>, production: boolean): string | null {
  if (e.METRICS_TOKEN && e.METRICS_PUBLIC) {
    throw new ConfigError('METRICS_TOKEN and METRICS_PUBLIC=true: set one or the other');
  }
  if (production && !e.METRICS_TOKEN && !e.METRICS_PUBLIC) {
    throw new ConfigError(
      'METRICS_TOKEN: required when NODE_ENV=production (16+ characters, sent as `Authorization: Bearer <token>`), ' +
        'unless METRICS_PUBLIC=true serves /metrics without one on purpose',
    );
  }
  return e.METRICS_TOKEN ?? null;
}

function bootstrapAdminFrom(e: z.infer<typeof envSchema>): Config['bootstrapAdmin'] {
  if (!e.ADMIN_EMAIL && !e.ADMIN_PASSWORD) return null;
  if (!e.ADMIN_EMAIL || !e.ADMIN_PASSWORD) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD: set both, or neither');
  }
  const email = e.ADMIN_EMAIL.trim().normalize('NFC').toLowerCase();
  const username =
    e.ADMIN_USERNAME ??
    email
      .split('@')[0]!
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .padEnd(3, '_');
  return { email, username, password: e.ADMIN_PASSWORD };
}

/**
 * The relying party passkeys are bound to. Its id must be the host of every origin (or a parent domain of it), and
 * not an IP address: browsers refuse those.
 */
function webauthnFrom(e: z.infer<typeof envSchema>, publicUrl: string | null): Config['webauthn'] {
  const rpId = e.WEBAUTHN_RP_ID?.toLowerCase() ?? null;
  const origins = e.WEBAUTHN_ORIGINS;
  const id = rpId ?? (publicUrl ? new URL(publicUrl).hostname : null);
  if (id !== null && rpId !== null) {
    const hosts =
      origins.length > 0
        ? origins.map((o) => new URL(o).hostname)
        : publicUrl
          ? [new URL(publicUrl).hostname]
          : [];
    const foreign = hosts.find((host) => host !== id && !host.endsWith(`.${id}`));
    if (foreign) {
      throw new ConfigError(
        `WEBAUTHN_RP_ID: ${id} is not ${foreign} nor a parent domain of it (WEBAUTHN_ORIGINS, PUBLIC_URL)`,
      );
    }
  }
  return { rpId, origins };
}

/**
 * Validates the environment; a bad value throws a ConfigError naming the variable. It reads, and writes nothing:
 * keys still to be generated are generated by start-up (`provisionKeys`).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`PUBLIC_URL=` as in .env.example) means unset.
  const given = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = { ...parsed.data, ...nodeEnvSchema.parse(given) };
  const production = e.NODE_ENV === 'production';
  const { secretKey, secretSource } = resolveSecret(e.SECRET_KEY, production, e.DATA_DIR);
  if (production && e.JWT_ALGORITHM !== 'HS256' && !e.JWT_PRIVATE_KEY) {
    throw new ConfigError(`JWT_PRIVATE_KEY: required with JWT_ALGORITHM=${e.JWT_ALGORITHM} in production`);
  }
  const publicUrl = e.PUBLIC_URL ? e.PUBLIC_URL.replace(/\/+$/, '') : null;
  const webConcurrency =
    e.WEB_CONCURRENCY ?? (production ? Math.min(MAX_WORKERS, availableParallelism()) : 1);
  const hashConcurrency =
    e.ARGON2_CONCURRENCY ??
    defaultHashConcurrency(availableParallelism(), webConcurrency, e.UV_THREADPOOL_SIZE);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    secretKey,
    secretSource,
    accessTokenExpireMinutes: e.ACCESS_TOKEN_EXPIRE_MINUTES,
    allowedOrigins: e.ALLOWED_ORIGINS,
    logLevel: e.LOG_LEVEL,
    publicUrl,
    jwtIssuer: e.JWT_ISSUER ?? publicUrl ?? 'roster',
    jwtAudience: e.JWT_AUDIENCE,
    argon2: {
      memoryCost: e.ARGON2_MEMORY_KIB,
      timeCost: e.ARGON2_TIME_COST,
      parallelism: e.ARGON2_PARALLELISM,
      concurrency: hashConcurrency,
    },
    dataDir: e.DATA_DIR,
    bootstrapAdmin: bootstrapAdminFrom(e),
    sessions: {
      refreshTokenDays: e.REFRESH_TOKEN_EXPIRE_DAYS,
      maxDays: e.SESSION_MAX_DAYS,
      reuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    },
    requireVerifiedEmail: e.REQUIRE_VERIFIED_EMAIL,
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM },
    jwtAlgorithm: e.JWT_ALGORITHM,
    jwtPrivateKey: e.JWT_PRIVATE_KEY ?? null,
    jwtPreviousKey: e.JWT_PREVIOUS_KEY ?? null,
    logFormat: e.LOG_FORMAT ?? (e.NODE_ENV === 'development' ? 'pretty' : 'json'),
    metricsToken: metricsAccess(e, production),
    trustProxy: e.TRUST_PROXY,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS ?? (production ? DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS : 0),
    webConcurrency,
    workerMemory: {
      threadPoolSize: e.UV_THREADPOOL_SIZE === undefined ? hashConcurrency + 1 : null,
      semiSpaceMb: e.NODE_OPTIONS?.includes('--max-semi-space-size') ? null : 4,
      oldSpaceMb: e.NODE_OPTIONS?.includes('--max-old-space-size') ? null : WORKER_OLD_SPACE_MB,
      v8PoolSize: e.NODE_OPTIONS?.includes('--v8-pool-size') ? null : 1,
    },
    databaseAcquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS,
    databaseIdleInTransactionTimeoutMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    authCacheTtlSeconds: e.AUTH_CACHE_TTL_SECONDS,
    redisUrl: e.REDIS_URL ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    rateLimits: { enabled: e.RATE_LIMIT_ENABLED, table: e.RATE_LIMITS },
    mfa: {
      encryptionKey: e.MFA_ENCRYPTION_KEY?.trim() ?? null,
      requireForAdmins: e.REQUIRE_MFA_FOR_ADMINS,
      issuer: e.MFA_ISSUER,
    },
    webauthn: webauthnFrom(e, publicUrl),
    webhooks: webhooksFrom(e),
  };
}

function webhooksFrom(e: z.infer<typeof envSchema>): Config['webhooks'] {
  if (e.WEBHOOK_LEASE_MS <= e.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError(
      'WEBHOOK_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS (a claim outlives its attempt)',
    );
  }
  return {
    allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE,
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    leaseMs: e.WEBHOOK_LEASE_MS,
    pollMs: e.WEBHOOK_POLL_MS,
    concurrency: e.WEBHOOK_CONCURRENCY,
    retentionDays: e.WEBHOOK_RETENTION_DAYS,
  };
}

/** Reads `.env` from the working directory into the environment when present (real variables win). */
export async function loadDotEnv(path = '.env', env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!existsSync(path)) return;
  const { parse } = await import('dotenv');
  for (const [key, value] of Object.entries(parse(readFileSync(path)))) {
    if (env[key] === undefined) env[key] = value;
  }
}
