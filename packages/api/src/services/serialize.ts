import type { AuditEvent, Session, User } from '@roster/db';
import type { SessionOut } from '../schemas/session.js';
import type { IssuedTokens } from './sessions.js';
import type { AdminUserOut } from '../schemas/admin.js';
import type { PublicUserOut, UserOut } from '../schemas/user.js';

/** What the full record shows: an entity, a cached snapshot or a row mapped to property names. */
export type UserFields = Pick<
  User,
  | 'id'
  | 'email'
  | 'username'
  | 'fullName'
  | 'bio'
  | 'role'
  | 'isActive'
  | 'isVerified'
  | 'createdAt'
  | 'updatedAt'
>;

export function toUserOut(user: UserFields): UserOut {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    full_name: user.fullName,
    bio: user.bio,
    role: user.role,
    is_superuser: user.role === 'admin',
    is_active: user.isActive,
    is_verified: user.isVerified,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

export function toPublicUserOut(user: User): PublicUserOut {
  return {
    id: user.id,
    username: user.username,
    full_name: user.fullName,
    bio: user.bio,
    created_at: user.createdAt.toISOString(),
  };
}

/** Owners and admins see the whole record; everyone else the public profile. */
export function viewUser(user: User, viewer: User): UserOut | PublicUserOut {
  return viewer.id === user.id || viewer.role === 'admin' ? toUserOut(user) : toPublicUserOut(user);
}

export function toAdminUserOut(user: User): AdminUserOut {
  return {
    ...toUserOut(user),
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    version: user.version,
  };
}

export function toAuditEventOut(event: AuditEvent) {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actor_id: event.actorId,
    target_id: event.targetId,
    action: event.action,
    ip: event.ip,
    user_agent: event.userAgent,
    details: event.details,
  };
}

export function toTokenOut(tokens: IssuedTokens, user: User) {
  return {
    access_token: tokens.accessToken,
    token_type: 'bearer' as const,
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
    refresh_expires_in: tokens.refreshExpiresIn,
    user: toUserOut(user),
  };
}

export function toSessionOut(session: Session, currentId: string | null): SessionOut {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.id === currentId,
  };
}
