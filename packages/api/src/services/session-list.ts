import type { EntityManager } from '@mikro-orm/core';
import { Session, User } from '@roster/db';

/**
 * The admin behind an impersonation session and the reason they gave when they opened it: the username is null once
 * that account is gone.
 */
export interface SessionImpersonator {
  id: number;
  username: string | null;
  reason: string | null;
}

/** A live session as the lists show it: the row, and the admin who opened it to act as the account, if one did. */
export interface ListedSession {
  session: Session;
  impersonator: SessionImpersonator | null;
}

/**
 * The user's live sessions, most recently used first (at most 500), each with the admin behind it when it is an
 * impersonation (`sessions.impersonator_id`, read with the admins' usernames in one more query).
 */
export async function liveSessionsOf(em: EntityManager, userId: number): Promise<ListedSession[]> {
  const sessions = await em.find(
    Session,
    { userId, revokedAt: null, expiresAt: { $gt: new Date() } },
    { orderBy: { lastUsedAt: 'desc', id: 'asc' }, limit: 500 },
  );
  const ids = [...new Set(sessions.flatMap((s) => (s.impersonatorId === null ? [] : [s.impersonatorId])))];
  // A unit of work of its own: partial rows of the admins never meet the request's copies of them.
  const admins =
    ids.length === 0 ? [] : await em.fork().find(User, { id: { $in: ids } }, { fields: ['id', 'username'] });
  const usernames = new Map(admins.map((admin) => [admin.id, admin.username]));
  return sessions.map((session) => ({
    session,
    impersonator:
      session.impersonatorId === null
        ? null
        : {
            id: session.impersonatorId,
            username: usernames.get(session.impersonatorId) ?? null,
            reason: session.impersonationReason,
          },
  }));
}
