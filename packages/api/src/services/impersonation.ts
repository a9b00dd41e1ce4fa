import type { EntityManager } from '@mikro-orm/core';
import { Session, type User } from '@roster/db';
import { AppError } from '../errors.js';
import { inTransaction, type AuditService, type RequestMeta } from './audit.js';
import { newSessionId } from './secrets.js';
import type { TokenService } from './tokens.js';
import type { UserService } from './users.js';

/** The longest an impersonation lasts: one access token, never refreshed. */
export const MAX_IMPERSONATION_SECONDS = 15 * 60;

export interface Impersonation {
  accessToken: string;
  expiresIn: number;
  sessionId: string;
  user: User;
}

/**
 * Support staff acting as an account. An admin opens a session of the account's own, marked with the admin's id
 * and the reason, and gets one access token for it carrying `act: {sub: <admin id>}`: no refresh token, at most
 * 15 minutes. Logging out with it, revoking the account's sessions, or the admin losing the role ends it; what
 * it may do is decided per procedure (access.ts), and every write under it is audited with both ids and the
 * reason (trpc.ts).
 */
export class ImpersonationService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly tokens: TokenService,
    private readonly request: RequestMeta,
  ) {}

  /** Opens an impersonation of account `id` by `admin`: never of oneself, another admin or a deactivated one. */
  async start(admin: User, id: number, reason: string): Promise<Impersonation> {
    if (id === admin.id) throw new AppError('CANNOT_IMPERSONATE_SELF');
    const target = await this.users.getById(id);
    if (target.role === 'admin') throw new AppError('CANNOT_IMPERSONATE_ADMIN');
    if (!target.isActive) throw new AppError('ACCOUNT_DEACTIVATED');
    const ttl = Math.min(MAX_IMPERSONATION_SECONDS, this.tokens.ttlSeconds);
    const issuedAt = Math.floor(Date.now() / 1000);
    const now = new Date(issuedAt * 1000);
    const session = Object.assign(new Session(), {
      id: newSessionId(),
      userId: target.id,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + ttl * 1000),
      ip: this.request.ip?.slice(0, 64) ?? null,
      userAgent: this.request.userAgent?.slice(0, 512) ?? null,
      impersonatorId: admin.id,
      impersonationReason: reason,
    });
    await inTransaction(this.em, async () => {
      await this.em.insert(Session, session);
      this.audit.record('admin.impersonation_started', {
        actorId: admin.id,
        targetId: target.id,
        details: { reason, session_id: session.id, expires_at: session.expiresAt.toISOString() },
      });
      await this.em.flush();
    });
    const accessToken = await this.tokens.issueAccessToken(target.id, session.id, {
      actorId: admin.id,
      ttlSeconds: ttl,
      issuedAt,
    });
    return { accessToken, expiresIn: ttl, sessionId: session.id, user: target };
  }
}
