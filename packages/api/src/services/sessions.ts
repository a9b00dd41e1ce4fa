import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { RefreshToken, Session, User } from '@roster/db';
import { AppError } from '../errors.js';
import type { ApiEvents } from '../events.js';
import { DEFAULT_SESSIONS, type ApiSettings } from '../settings.js';
import { inTransaction, type AuditService, type RequestMeta } from './audit.js';
import { hashToken, mac, newOpaqueToken, newSessionId, type SessionKeys } from './secrets.js';
import type { AccessClaims, TokenService } from './tokens.js';
import type { AuthCache } from '../auth-cache.js';
import { sessionsEnded } from '../auth-invalidation.js';
import { liveSessionsOf, type ListedSession } from './session-list.js';
import { sessionState, type IssuedTokens, type SessionSnapshot } from './session-rules.js';
import { sessionCreatedEvent, sessionsRevokedEvent } from './webhook-events.js';
import { queueWebhookEvent } from './webhook-outbox.js';

export type { IssuedTokens } from './session-rules.js';

/** The process-wide collaborators SessionService uses (ApiDeps has them all). */
export interface SessionDeps {
  tokens: TokenService;
  events: ApiEvents;
  authCache?: AuthCache;
  settings: ApiSettings;
  sessionKeys: SessionKeys;
}

/** Why a session ended, as recorded on the row and in the audit log. */
export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'revoked'
  | 'revoked_by_admin'
  | 'password_changed'
  | 'password_reset'
  | 'password_set_by_admin'
  | 'deactivated'
  | 'refresh_token_reuse'
  | 'promoted_to_admin'
  | 'mfa_reset_by_admin'
  | 'totp_disabled'
  | 'passkey_deleted'
  | 'recovery_codes_regenerated';

/** A session and its first refresh token, made but not written (`SessionService.open`). */
export interface OpenedSession {
  session: Session;
  refreshToken: string;
  refreshTokenHash: string;
  refreshExpiresAt: Date;
}

type RefreshOutcome =
  | { kind: 'invalid' }
  | { kind: 'reuse'; session: Session }
  | {
      kind: 'rotated' | 'grace';
      session: Session;
      user: User;
      next: string;
      issuedAt: Date;
      expiresAt: Date;
    };

/**
 * Sessions and their refresh-token chains. Each refresh token's successor is derived from it (an HMAC under a
 * key of the server secret), so a session has exactly one chain: two refreshes racing with the same token both
 * receive the same successor, and a spent token shown again outside the grace window ends the session.
 */
export class SessionService {
  private readonly settings: NonNullable<ApiSettings['sessions']>;
  private readonly chainKey: Buffer;
  private readonly jtiKey: Buffer;

  private readonly tokens: TokenService;
  private readonly events: ApiEvents;
  private readonly cache: AuthCache | undefined;

  constructor(
    private readonly em: EntityManager,
    private readonly audit: AuditService,
    private readonly request: RequestMeta,
    deps: SessionDeps,
  ) {
    this.tokens = deps.tokens;
    this.events = deps.events;
    this.cache = deps.authCache;
    this.settings = deps.settings.sessions ?? DEFAULT_SESSIONS;
    this.chainKey = deps.sessionKeys.chain;
    this.jtiKey = deps.sessionKeys.jti;
  }

  private refreshExpiry(from: Date, session: Session): Date {
    const ttl = from.getTime() + this.settings.refreshTokenTtlSeconds * 1000;
    return new Date(Math.min(ttl, session.expiresAt.getTime()));
  }

  /** The token pair handed out for `session`: a signed access token and the refresh token given. */
  async issue(
    session: Session,
    refreshToken: string,
    issuedAt: Date,
    refreshExpiresAt: Date,
  ): Promise<IssuedTokens> {
    const accessToken = await this.tokens.issueAccessToken(session.userId, session.id, {
      issuedAt: Math.floor(issuedAt.getTime() / 1000),
      jti: mac(this.jtiKey, refreshToken).slice(0, 32),
      amr: (session.amr ?? 'pwd').split(','),
    });
    return {
      sessionId: session.id,
      accessToken,
      expiresIn: this.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresIn: Math.max(0, Math.floor((refreshExpiresAt.getTime() - Date.now()) / 1000)),
    };
  }

  /**
   * A new session for `user` and the first link of its refresh-token chain, not written yet: `start` writes them
   * with the ORM, a login with its other records in one statement batch (login-records.ts). `amr` says how the
   * login was proved (`pwd`, `pwd,otp`, `hwk`, …); every access token of the session carries it.
   */
  open(user: Pick<User, 'id'>, amr = 'pwd'): OpenedSession {
    const now = new Date();
    const session = Object.assign(new Session(), {
      id: newSessionId(),
      userId: user.id,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.settings.maxAgeSeconds * 1000),
      ip: this.request.ip?.slice(0, 64) ?? null,
      userAgent: this.request.userAgent?.slice(0, 512) ?? null,
      amr,
    });
    const refreshToken = newOpaqueToken();
    return {
      session,
      refreshToken,
      refreshTokenHash: hashToken(refreshToken),
      refreshExpiresAt: this.refreshExpiry(now, session),
    };
  }

  /**
   * Opens a session for `user` (inside the caller's transaction `em`) and returns its first token pair; see `open`.
   */
  async start(user: User, em: EntityManager = this.em, amr = 'pwd'): Promise<IssuedTokens> {
    const { session, refreshToken, refreshTokenHash, refreshExpiresAt } = this.open(user, amr);
    // Written in this order (the ORM knows no relation between the two tables to order them by), in one
    // transaction with the session.created webhook.
    await inTransaction(em, async () => {
      await em.insert(Session, session);
      await em.insert(RefreshToken, {
        sessionId: session.id,
        tokenHash: refreshTokenHash,
        createdAt: session.createdAt,
        expiresAt: refreshExpiresAt,
        spentAt: null,
      });
      queueWebhookEvent(em, sessionCreatedEvent(session));
    });
    return this.issue(session, refreshToken, session.createdAt, refreshExpiresAt);
  }

  /** Exchanges a refresh token for a new pair; see the class comment for races and reuse. */
  /** The new pair and the account it is for (read once, with the check that it is still active). */
  async refresh(refreshToken: string): Promise<IssuedTokens & { user: User }> {
    const outcome = await this.em.fork().transactional((em) => this.rotate(em, refreshToken));
    if (outcome.kind === 'invalid') {
      this.events.emit({ type: 'refresh', outcome: 'invalid' });
      throw new AppError('INVALID_REFRESH_TOKEN');
    }
    if (outcome.kind === 'reuse') {
      await this.em.fork().transactional(async (em) => {
        await this.revokeWhere(em, { id: outcome.session.id }, 'refresh_token_reuse');
        this.audit.record(
          'auth.refresh_token_reused',
          { actorId: null, targetId: outcome.session.userId, details: { session_id: outcome.session.id } },
          em,
        );
      });
      this.events.emit({ type: 'refresh', outcome: 'reuse' });
      throw new AppError('INVALID_REFRESH_TOKEN');
    }
    this.events.emit({ type: 'refresh', outcome: outcome.kind === 'rotated' ? 'success' : 'grace' });
    const tokens = await this.issue(outcome.session, outcome.next, outcome.issuedAt, outcome.expiresAt);
    return { ...tokens, user: outcome.user };
  }

  private async rotate(em: EntityManager, presented: string): Promise<RefreshOutcome> {
    const now = new Date();
    const link = await em.findOne(RefreshToken, { tokenHash: hashToken(presented) });
    if (!link) return { kind: 'invalid' };
    const session = await em.findOne(Session, { id: link.sessionId });
    if (!session || session.revokedAt !== null || session.expiresAt <= now) return { kind: 'invalid' };
    const user = await em.findOne(User, { id: session.userId });
    if (!user?.isActive) return { kind: 'invalid' };
    const next = mac(this.chainKey, presented);
    const nextHash = hashToken(next);
    if (link.spentAt === null && link.expiresAt > now) {
      // Claim the link; of two racing claims exactly one updates the row (PostgreSQL waits for the winner).
      const claimed = await em.nativeUpdate(RefreshToken, { id: link.id, spentAt: null }, { spentAt: now });
      if (claimed === 1) {
        const expiresAt = this.refreshExpiry(now, session);
        await em.insert(RefreshToken, {
          sessionId: session.id,
          tokenHash: nextHash,
          createdAt: now,
          expiresAt,
          spentAt: null,
        });
        await em.nativeUpdate(Session, { id: session.id }, { lastUsedAt: now });
        return { kind: 'rotated', session, user, next, issuedAt: now, expiresAt };
      }
    }
    const spent = await em.findOne(RefreshToken, { id: link.id }, { refresh: true });
    if (spent?.spentAt === null || spent === null) return { kind: 'invalid' }; // expired, never spent
    const successor = await em.findOne(RefreshToken, { tokenHash: nextHash });
    const grace = this.settings.reuseGraceSeconds * 1000;
    const withinGrace = grace > 0 && now.getTime() - spent.spentAt.getTime() <= grace;
    if (withinGrace && successor && successor.spentAt === null && successor.expiresAt > now) {
      return {
        kind: 'grace',
        session,
        user,
        next,
        issuedAt: successor.createdAt,
        expiresAt: successor.expiresAt,
      };
    }
    return { kind: 'reuse', session };
  }

  /**
   * The session an access token is bound to, if it is still live and belongs to the token's subject. Refreshes
   * `last_used_at` at most every few minutes so reads stay reads.
   */
  async live(claims: AccessClaims): Promise<Session | null> {
    const session = await this.em.findOne(Session, { id: claims.sessionId });
    return (await this.stillLive(claims, session)) ? session : null;
  }

  /** Checks a session (a row or a cached snapshot) against the token's claims and touches `last_used_at`. */
  async stillLive(
    claims: AccessClaims,
    session: (SessionSnapshot & { revokedAt?: Date | null }) | null,
  ): Promise<boolean> {
    const state = sessionState(claims, session, Date.now());
    if (state === 'dead' || !session) return false;
    if (state === 'stale') await this.touch(session);
    return true;
  }

  /** Writes `last_used_at` (now) to the row and to the object given (a row or a cached snapshot). */
  async touch(session: SessionSnapshot): Promise<void> {
    session.lastUsedAt = new Date();
    await this.em.nativeUpdate(Session, { id: session.id }, { lastUsedAt: session.lastUsedAt });
  }

  /** The user's live sessions, most recently used first, each with the admin behind it if an impersonation. */
  list(userId: number): Promise<ListedSession[]> {
    return liveSessionsOf(this.em, userId);
  }

  /** Ends one of `userId`'s sessions; false when there is no such live session. */
  async revoke(userId: number, sessionId: string, reason: RevokeReason, em = this.em): Promise<boolean> {
    return (await this.revokeWhere(em, { id: sessionId, userId }, reason)) > 0;
  }

  /** Ends all of `userId`'s sessions, except `exceptSessionId` when given; returns how many ended. */
  revokeAll(userId: number, reason: RevokeReason, exceptSessionId?: string, em = this.em): Promise<number> {
    return this.revokeWhere(
      em,
      exceptSessionId === undefined ? { userId } : { userId, id: { $ne: exceptSessionId } },
      reason,
    );
  }

  private async revokeWhere(
    em: EntityManager,
    where: { id?: string | { $ne: string }; userId?: number },
    reason: RevokeReason,
  ): Promise<number> {
    // One transaction with the session.revoked webhooks: one per account, naming the sessions that ended.
    const ended = await inTransaction(em, async () => {
      const rows: { id: string; userId: number }[] = await (em as SqlEntityManager)
        .createQueryBuilder(Session)
        .update({ revokedAt: new Date(), revokedReason: reason })
        .where({ ...where, revokedAt: null })
        .returning(['id', 'userId'])
        .execute('all', true);
      const byUser = new Map<number, string[]>();
      for (const row of rows)
        byUser.set(Number(row.userId), [...(byUser.get(Number(row.userId)) ?? []), row.id]);
      for (const [userId, ids] of byUser) queueWebhookEvent(em, sessionsRevokedEvent(userId, ids, reason));
      return rows.length;
    });
    sessionsEnded(this.cache, where);
    return ended;
  }
}
