import type { AuditEvent, User } from '@roster/db';
import type { AdminUserOut } from '../schemas/admin.js';
import type { PublicUserOut, UserOut } from '../schemas/user.js';

export function toUserOut(user: User): UserOut {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    full_name: user.fullName,
    bio: user.bio,
    role: user.role,
    is_superuser: user.role === 'admin',
    is_active: user.isActive,
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
