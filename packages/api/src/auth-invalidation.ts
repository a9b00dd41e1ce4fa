import type { MikroORM } from '@mikro-orm/core';
import { User } from '@roster/db';
import type { AuthCache } from './auth-cache.js';

/**
 * Where writes become auth-cache invalidations: the one module that starts them. (`AuthCache` forgets, and
 * announces to the other instances once the unit of work has committed; it never decides what changed.)
 *
 * - Accounts: every flushed change to a user (creation, profile, role, status, password, verification, deletion), through
 *   an ORM subscriber that whoever builds a process's deps registers once, in view: the server's start-up
 *   sequence, the CLI, the test harnesses (`watchUserChanges`).
 * - Sessions: ended by bulk updates, which the ORM does not report per entity (`sessionsEnded`, called by
 *   `SessionService`).
 */
export function watchUserChanges(orm: MikroORM, cache: AuthCache): void {
  const changed = (args: { entity: User }) => cache.changed({ users: [args.entity.id] });
  orm.em.getEventManager().registerSubscriber({
    getSubscribedEntities: () => [User],
    // A new account changes what lists show (the read cache's answers), though nothing cached names it yet.
    afterCreate: (args: { entity: User }) => cache.created(args.entity.id),
    afterUpdate: changed,
    afterDelete: changed,
  });
}

/** Sessions were ended: one by id, or every session (but perhaps one) of a user. */
export function sessionsEnded(
  cache: AuthCache | undefined,
  where: { id?: string | { $ne: string }; userId?: number },
): void {
  // Forgotten even when no row changed: a racing revocation may have changed it a moment ago.
  if (typeof where.id === 'string') cache?.changed({ sessions: [where.id] });
  else if (where.userId !== undefined) cache?.changed({ users: [where.userId] });
}
