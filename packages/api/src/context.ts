import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { PasswordHasher } from './services/passwords.js';
import { sessionKeys, type SessionKeys } from './services/secrets.js';
import { SearchGrams } from './services/search-grams.js';
import { mfaKeys, type MfaKeys } from './services/totp-crypto.js';
import { TokenService } from './services/tokens.js';
import { noEvents, type ApiEvents } from './events.js';
import { BackgroundTasks, nullMailer, type Mailer } from './mail.js';
import { CredentialChecks } from './ratelimit/credentials.js';
import { RateLimits } from './ratelimit/service.js';
import type { ApiSettings } from './settings.js';
import { AuthCache } from './auth-cache.js';
import { ReadCache } from './read-cache.js';
import { invalidField } from './errors.js';
import { webhookOutbox, type WebhookOutbox } from './services/webhook-outbox.js';

/** Long-lived collaborators, built once per process. */
export interface ApiDeps {
  orm: MikroORM;
  settings: ApiSettings;
  passwords: PasswordHasher;
  tokens: TokenService;
  /** Counters for metrics: registrations, logins by outcome, refreshes, rate-limited calls. */
  events: ApiEvents;
  mailer: Mailer;
  /** Work after the response (reset mail); drained at shutdown. */
  tasks: BackgroundTasks;
  /** The counters behind `rateLimit(rule)`; nothing is limited unless the caller passes some. */
  rateLimits: RateLimits;
  /** Every password check (login and re-authentication) counted against those limits. */
  credentials: CredentialChecks;
  /** Verified sessions and their users, believed for a few seconds; invalidated on every change that matters. */
  authCache: AuthCache;
  /** Answers of read procedures whose meta says `readCache`, believed while the auth cache is (read-cache.ts). */
  reads: ReadCache;
  /** Keys derived from the secret for refresh-token chains (once per process, not per request). */
  sessionKeys: SessionKeys;
  /** The webhook outbox of this ORM: written by each change's transaction; tells the dispatcher after commit. */
  webhooks: WebhookOutbox;
  /** TOTP secrets' encryption, recovery codes' HMAC and WebAuthn user handles (once per process). */
  mfaKeys: MfaKeys;
  /** How many accounts hold each search trigram, believed for a minute: which postings a search walks. */
  searchGrams: SearchGrams;
}

export interface ApiDepsOptions {
  events?: ApiEvents;
  mailer?: Mailer;
  /** Reports a background task's failure (the server logs it). */
  onTaskError?: (error: unknown) => void;
  rateLimits?: RateLimits;
  /** The auth cache (with its cross-instance invalidation bus); an in-process one by default. */
  authCache?: AuthCache;
  /** The ORM's webhook outbox (`webhookOutbox(orm)`, which registers it with the ORM once); looked up if not given. */
  webhooks?: WebhookOutbox;
}

/**
 * The process-wide collaborators. The auth cache learns of account changes only once `watchUserChanges`
 * (auth-invalidation.ts) is called for it; the start-up sequence does that, and registers the ORM's webhook
 * outbox (`webhookOutbox`) before building these. (Left to this function, the outbox is registered here, once
 * per ORM: a change that records a webhook event must never commit without its deliveries.)
 */
export function createApiDeps(orm: MikroORM, settings: ApiSettings, opts: ApiDepsOptions = {}): ApiDeps {
  const authCache = opts.authCache ?? new AuthCache();
  const events = opts.events ?? noEvents;
  const rateLimits = opts.rateLimits ?? RateLimits.disabled();
  return {
    orm,
    settings,
    passwords: new PasswordHasher(settings.argon2),
    tokens: new TokenService(settings.jwt),
    events,
    mailer: opts.mailer ?? nullMailer,
    tasks: new BackgroundTasks(opts.onTaskError),
    rateLimits,
    credentials: new CredentialChecks(rateLimits, events),
    authCache,
    reads: new ReadCache(authCache),
    sessionKeys: sessionKeys(settings.jwt.secret),
    webhooks: opts.webhooks ?? webhookOutbox(orm),
    mfaKeys: mfaKeys(settings.jwt.secret, settings.mfa?.encryptionKey),
    searchGrams: new SearchGrams(),
  };
}

export interface ContextInnerOptions {
  deps: ApiDeps;
  /**
   * Tests only: makes the EntityManager of each procedure call's unit of work (by default a fresh fork of the
   * ORM's). Called once per call, never shared between the calls of a batch.
   */
  forkEm?: () => EntityManager;
  /** The raw Authorization header, if any. */
  authorization?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** The raw If-Match header, if any (optimistic locking on admin updates). */
  ifMatch?: string | null;
  /** Told who the caller is once a bearer token has been verified (the server's request log records the id). */
  onAuthenticated?: (user: { id: number; role: string }) => void;
  /**
   * How the read cache names this request's input when the surface names it itself: REST gives
   * `restInputKey(url)`, which its hot reads look up before the bridge runs (hot-reads.ts). Unset: the raw
   * input's JSON (`inputKey`), as tRPC's calls are named.
   */
  readInput?: string | null;
}

/**
 * The version an `If-Match` header expects: `"3"` / `W/"3"` / `3` → 3; `*` → '*' (any version, said on purpose);
 * no header → null. Anything else is refused (422 VALIDATION_ERROR on `If-Match`), never taken as no condition.
 */
export function parseIfMatch(header: string | null | undefined): number | '*' | null {
  if (header === null || header === undefined || header.trim() === '') return null;
  if (header.trim() === '*') return '*';
  const match = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header);
  const version = match?.[1] ? Number(match[1]) : NaN;
  if (!Number.isInteger(version) || version < 1 || version > 2_147_483_647) {
    throw invalidField('If-Match', 'Expected a version such as "3", or *', 'invalid_format');
  }
  return version;
}

/**
 * The framework-free context: what the request says (headers, address) and the process-wide deps. It holds no
 * EntityManager and no service: every procedure call opens a unit of work of its own (see `unit-of-work.ts`), so
 * the calls of one batch never share a transaction, an identity map or pending invalidations. Adapters and tests
 * build it the same way.
 */
export function createContextInner(opts: ContextInnerOptions) {
  return {
    deps: opts.deps,
    forkEm: opts.forkEm ?? (() => opts.deps.orm.em.fork()),
    authorization: opts.authorization ?? null,
    /** The raw If-Match header (see `parseIfMatch`), read by the procedures that honour it. */
    ifMatch: opts.ifMatch ?? null,
    onAuthenticated: opts.onAuthenticated ?? (() => undefined),
    readInput: opts.readInput ?? null,
    ip: opts.ip ?? null,
    userAgent: opts.userAgent ?? null,
  };
}

export type Context = ReturnType<typeof createContextInner>;
