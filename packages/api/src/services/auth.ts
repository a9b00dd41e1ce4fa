import type { EntityManager } from '@mikro-orm/core';
import { User } from '@roster/db';
import { AppError } from '../errors.js';
import type { ApiEvents } from '../events.js';
import type { AuditService, RequestMeta } from './audit.js';
import type { CredentialChecks } from '../ratelimit/credentials.js';
import { accountIdKey, accountKey } from '../ratelimit/rules.js';
import type { PasswordHasher } from './passwords.js';
import type { IssuedTokens, SessionService } from './sessions.js';
import type { AccessClaims, TokenService } from './tokens.js';
import type { UserService } from './users.js';
import type { ApiSettings } from '../settings.js';
import { Session } from '@roster/db';
import { sessionSnapshot, userSnapshot, type AuthCache } from '../auth-cache.js';
import { factorsOf, methodsOf, startMfaChallenge } from './mfa-state.js';
import { findLoginAccount, writeLoginRecords } from './login-records.js';
import type { WebhookOutbox } from './webhook-outbox.js';

export interface LoginResult extends IssuedTokens {
  user: User;
}

/** How a login was proved (RFC 8176 `amr` values): a password, a TOTP code, a recovery code, a passkey. */
export type AuthMethod = 'pwd' | 'otp' | 'rc' | 'hwk';

export interface Authenticated {
  user: User;
  session: Session;
  /** The admin acting as `user`, for an impersonation token (see ImpersonationService). */
  impersonator?: User;
}

/** The process-wide collaborators AuthService uses (ApiDeps has them all). */
export interface AuthDeps {
  passwords: PasswordHasher;
  tokens: TokenService;
  events: ApiEvents;
  authCache?: AuthCache;
  credentials: CredentialChecks;
  settings: Pick<ApiSettings, 'requireVerifiedEmail'>;
  webhooks: Pick<WebhookOutbox, 'wake'>;
}

/** Logging in and turning a bearer token back into the account it belongs to, as the database says now. */
export class AuthService {
  private readonly passwords: PasswordHasher;
  private readonly tokens: TokenService;
  private readonly events: ApiEvents;
  private readonly cache: AuthCache | undefined;
  private readonly credentials: CredentialChecks;
  private readonly requireVerifiedEmail: boolean;
  private readonly webhooks: Pick<WebhookOutbox, 'wake'>;

  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    deps: AuthDeps,
    private readonly request: RequestMeta,
    /** Told of a right password refused for an unverified address: the way to a verification link. */
    private readonly onUnverified: (user: User) => void = () => undefined,
  ) {
    this.passwords = deps.passwords;
    this.tokens = deps.tokens;
    this.events = deps.events;
    this.cache = deps.authCache;
    this.credentials = deps.credentials;
    this.requireVerifiedEmail = deps.settings.requireVerifiedEmail ?? false;
    this.webhooks = deps.webhooks;
  }

  /**
   * Writes login bookkeeping (audit events, last_login_at, a re-hash) in a unit of work of its own, so that the
   * account loaded for the check is never flushed: these are records, not edits, and never bump `version`.
   */
  private bookkeep<T>(work: (em: EntityManager) => Promise<T> | T): Promise<T> {
    return this.em.fork().transactional(async (em) => work(em));
  }

  /** Audits a refused login with its reason, then refuses it (INVALID_CREDENTIALS unless told otherwise). */
  private async failed(
    reason: string,
    targetId: number | null,
    error = new AppError('INVALID_CREDENTIALS'),
  ): Promise<never> {
    await this.bookkeep((em) => {
      this.audit.record('auth.login_failed', { actorId: targetId, targetId, details: { reason } }, em);
    });
    this.events.emit({
      type: 'login',
      outcome: reason === 'deactivated' || reason === 'unverified' ? reason : 'invalid_credentials',
    });
    throw error;
  }

  /**
   * Checks a password login. Wrong guesses are limited per account and IP and per account (RATE_LIMITED): an
   * account found is counted by its id, so its email and its username share one counter.
   */
  async login(login: string, password: string): Promise<LoginResult> {
    const user = await findLoginAccount(this.em, login);
    const account = user ? accountIdKey(user.id) : (accountKey(login) ?? 'none');
    return this.credentials.guard('login', { ip: this.request.ip, account }, () =>
      this.checkLogin(user, password),
    );
  }

  private async checkLogin(user: User | null, password: string): Promise<LoginResult> {
    if (!user) {
      await this.passwords.verifyDecoy(password);
      return this.failed('unknown_account', null);
    }
    if (!(await this.passwords.verify(user.passwordHash, password)))
      return this.failed('bad_password', user.id);
    await this.assertMayLogIn(user);
    const rehash = this.passwords.needsRehash(user.passwordHash)
      ? { passwordHash: await this.passwords.hash(password) }
      : {};
    if (user.mfaEnabled) return this.requireSecondFactor(user, rehash);
    return this.completeLogin(user, ['pwd'], rehash);
  }

  /**
   * Refuses a login, however proved, for an account that may not log in now: deactivated, or (with
   * REQUIRE_VERIFIED_EMAIL) unverified. Password, second-factor and passkey logins all pass through here.
   */
  async assertMayLogIn(user: User): Promise<void> {
    if (!user.isActive) {
      return this.failed('deactivated', user.id, new AppError('ACCOUNT_DEACTIVATED'));
    }
    if (this.requireVerifiedEmail && !user.isVerified) {
      // Logged out, the owner has no other way to ask for a link: the refusal sends a fresh one.
      this.onUnverified(user);
      return this.failed('unverified', user.id, new AppError('EMAIL_NOT_VERIFIED'));
    }
  }

  /**
   * The right password of an account with a second factor: no session yet, but a single-use `mfa_token` (five
   * minutes) and the methods that can complete the login, in a 401 MFA_REQUIRED.
   */
  private async requireSecondFactor(user: User, rehash: Partial<Pick<User, 'passwordHash'>>): Promise<never> {
    const { token, methods } = await this.bookkeep(async (em) => {
      if (rehash.passwordHash) await em.nativeUpdate(User, { id: user.id }, rehash);
      const mfaToken = await startMfaChallenge(em, user.id);
      const available = methodsOf(await factorsOf(em, user.id));
      this.audit.record(
        'auth.login_mfa_required',
        { actorId: user.id, targetId: user.id, details: { methods: available } },
        em,
      );
      return { token: mfaToken, methods: available };
    });
    throw new AppError('MFA_REQUIRED', undefined, { body: { mfa_token: token, methods } });
  }

  /**
   * Opens a session for an account whose login is proved (`amr`: how, RFC 8176). Its records (last_login_at, a
   * re-hash, the session and refresh token, the audit event, the session.created deliveries) are written in one
   * transaction (login-records.ts), committed before this resolves. (The auth cache learns of the session on its
   * first request, as of any other: a session or account edited behind the API's back is seen at once.)
   */
  async completeLogin(
    user: User,
    amr: AuthMethod[],
    extra: Partial<Pick<User, 'passwordHash'>> = {},
  ): Promise<LoginResult> {
    const proof = amr.join(',');
    const opened = this.sessions.open(user, proof);
    const { session } = opened;
    // Signed before the transaction: it holds SQLite's one connection (and the account's row) for less time.
    const tokens = await this.sessions.issue(
      session,
      opened.refreshToken,
      session.createdAt,
      opened.refreshExpiresAt,
    );
    const audit = this.audit.row('auth.login_succeeded', {
      actorId: user.id,
      targetId: user.id,
      details: proof === 'pwd' ? null : { amr },
    });
    const records = {
      user,
      opened,
      audit,
      ...(extra.passwordHash ? { passwordHash: extra.passwordHash } : {}),
    };
    const loggedIn = await writeLoginRecords(this.em, records, this.webhooks);
    this.events.emit({ type: 'login', outcome: 'success' });
    return { user: loggedIn, ...tokens };
  }

  /**
   * The active account and live session behind a bearer token: a revoked session, or a deactivated or deleted
   * account, stops its tokens on the next request.
   */
  async authenticate(token: string): Promise<Authenticated> {
    const claims = await this.tokens.verifyAccessToken(token);
    if (claims.actorId !== undefined) return this.impersonated(claims, claims.actorId);
    const cache = this.cache;
    if (!cache) return this.load(claims);
    const answer = await cache.resolve(claims, async (mark) => {
      const loaded = await this.load(claims);
      cache.set(userSnapshot(loaded.user), sessionSnapshot(loaded.session), mark);
      return loaded;
    });
    if ('loaded' in answer) return answer.loaded;
    const { entry, state } = answer.found;
    if (state === 'stale') await this.sessions.touch(entry.session);
    // A detached copy: UserService.update attaches it to the request's unit of work before changing it.
    const user = Object.assign(new User(), entry.user);
    return { user, session: Object.assign(new Session(), entry.session) };
  }

  /** The account and live session of a (not impersonation) token, from the database. */
  private async load(claims: AccessClaims): Promise<Authenticated> {
    const [session, user] = await Promise.all([
      this.sessions.live(claims),
      this.users.findById(claims.userId),
    ]);
    if (!user || !session || session.impersonatorId !== null) throw new AppError('INVALID_TOKEN');
    if (!user.isActive) throw new AppError('INVALID_TOKEN', 'Account is deactivated');
    return { user, session };
  }

  /**
   * An impersonation token: always read from the database (never cached), so that logging out, a revocation, or
   * the admin losing the role or the account ends it on the next request. Its session must be the one opened by
   * the admin the token names.
   */
  private async impersonated(claims: AccessClaims, actorId: number): Promise<Authenticated> {
    const [session, user, impersonator] = await Promise.all([
      this.sessions.live(claims),
      this.users.findById(claims.userId),
      this.users.findById(actorId),
    ]);
    if (!user || !session || !impersonator || session.impersonatorId !== actorId) {
      throw new AppError('INVALID_TOKEN');
    }
    if (!user.isActive) throw new AppError('INVALID_TOKEN', 'Account is deactivated');
    // Admins are never impersonated: an account promoted meanwhile ends the impersonation too.
    if (user.role === 'admin') throw new AppError('INVALID_TOKEN');
    if (!impersonator.isActive || impersonator.role !== 'admin') {
      throw new AppError('INVALID_TOKEN', 'The impersonating admin may no longer act');
    }
    return { user, session, impersonator };
  }
}
