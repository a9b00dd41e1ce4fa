import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { AdminService } from './services/admin.js';
import { AuditService } from './services/audit.js';
import { AuthService } from './services/auth.js';
import { PasswordHasher } from './services/passwords.js';
import { sessionKeys, type SessionKeys } from './services/secrets.js';
import { TokenService } from './services/tokens.js';
import { UserService } from './services/users.js';
import { noEvents, type ApiEvents } from './events.js';
import { BackgroundTasks, nullMailer, type Mailer } from './mail.js';
import { AccountService } from './services/account.js';
import { SessionService } from './services/sessions.js';
import { RateLimits } from './ratelimit/service.js';
import type { ApiSettings } from './settings.js';
import { AuthCache } from './auth-cache.js';
import { User } from '@roster/db';

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
  /** Verified sessions and their users, believed for a few seconds; invalidated on every change that matters. */
  authCache: AuthCache;
  /** Keys derived from the secret for refresh-token chains (once per process, not per request). */
  sessionKeys: SessionKeys;
}

export interface ApiDepsOptions {
  events?: ApiEvents;
  mailer?: Mailer;
  /** Reports a background task's failure (the server logs it). */
  onTaskError?: (error: unknown) => void;
  rateLimits?: RateLimits;
  /** The auth cache (with its cross-instance invalidation bus); an in-process one by default. */
  authCache?: AuthCache;
}

/** Every flushed change to an account (profile, role, status, password, verification, deletion) invalidates it. */
function invalidateOnUserChange(orm: MikroORM, cache: AuthCache): void {
  const changed = (args: { entity: User }) => cache.changed({ users: [args.entity.id] });
  orm.em.getEventManager().registerSubscriber({
    getSubscribedEntities: () => [User],
    afterUpdate: changed,
    afterDelete: changed,
  });
}

export function createApiDeps(orm: MikroORM, settings: ApiSettings, opts: ApiDepsOptions = {}): ApiDeps {
  const authCache = opts.authCache ?? new AuthCache();
  invalidateOnUserChange(orm, authCache);
  return {
    orm,
    settings,
    passwords: new PasswordHasher(settings.argon2),
    tokens: new TokenService(settings.jwt),
    events: opts.events ?? noEvents,
    mailer: opts.mailer ?? nullMailer,
    tasks: new BackgroundTasks(opts.onTaskError),
    rateLimits: opts.rateLimits ?? RateLimits.disabled(),
    authCache,
    sessionKeys: sessionKeys(settings.jwt.secret),
  };
}

export interface ContextInnerOptions {
  deps: ApiDeps;
  /** The request's EntityManager; a fresh fork when omitted (tests, scripts). */
  em?: EntityManager;
  /** The raw Authorization header, if any. */
  authorization?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** The raw If-Match header, if any (optimistic locking on admin updates). */
  ifMatch?: string | null;
  /** Told who the caller is once a bearer token has been verified (the server's request log records the id). */
  onAuthenticated?: (user: { id: number; role: string }) => void;
}

/** `If-Match: "3"` / `W/"3"` / `3` → 3; anything else → null. */
export function parseIfMatch(header: string | null | undefined): number | null {
  const match = header ? /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(header) : null;
  return match?.[1] ? Number(match[1]) : null;
}

/** The framework-free context: what every procedure sees. Adapters and tests build it the same way. */
export function createContextInner(opts: ContextInnerOptions) {
  const em = opts.em ?? opts.deps.orm.em.fork();
  const ip = opts.ip ?? null;
  const userAgent = opts.userAgent ?? null;
  const { deps } = opts;
  const audit = new AuditService(em, { ip, userAgent });
  const sessions = new SessionService(em, audit, { ip, userAgent }, deps);
  const users = new UserService(em, deps.passwords, audit, sessions);
  const account = new AccountService(em, users, deps.passwords, sessions, audit, deps);
  const auth = new AuthService(em, users, sessions, audit, deps, (user) =>
    account.requestVerificationLater(user),
  );
  const admin = new AdminService(em, users, audit, sessions);
  return {
    em,
    deps: opts.deps,
    authorization: opts.authorization ?? null,
    ifMatch: parseIfMatch(opts.ifMatch),
    onAuthenticated: opts.onAuthenticated ?? (() => undefined),
    ip,
    userAgent,
    audit,
    users,
    auth,
    admin,
    sessions,
    account,
    /**
     * What the REST answer should say beyond the procedure's meta: a procedure with two success outcomes (meta
     * `alternativeSuccess`) sets `status` to the other one. A shared object, so middlewares' ctx copies see it.
     */
    response: {} as { status?: number },
  };
}

export type Context = ReturnType<typeof createContextInner>;
