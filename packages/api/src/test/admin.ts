import type { EntityManager } from '@mikro-orm/core';
import { AuditEvent, foldSearch, User } from '@roster/db';
import { createContextInner } from '../context.js';
import { createCaller } from '../root.js';
import { PASSWORD, servicesOf, type Account, type Harness } from './harness.js';

/** Test-only helpers for the admin suites: cheap accounts, admins, audit reads and page walks. */

let fixedHash: Promise<string> | undefined;

/** One real argon2id hash of PASSWORD, computed once per test file and shared by every seeded row. */
export function passwordHash(h: Harness): Promise<string> {
  fixedHash ??= h.deps.passwords.hash(PASSWORD);
  return fixedHash;
}

export interface Seed {
  email: string;
  username: string;
  fullName?: string | null;
  role?: User['role'];
  isActive?: boolean;
  isVerified?: boolean;
  createdAt?: Date;
  lastLoginAt?: Date | null;
}

/** Inserts accounts straight through an EntityManager (no API, one hash for all); answers them in order. */
export async function seedUsers(h: Harness, seeds: Seed[]): Promise<User[]> {
  const em = h.db.orm.em.fork();
  const hash = await passwordHash(h);
  const users = seeds.map((s) =>
    em.create(User, {
      email: s.email,
      username: s.username,
      fullName: s.fullName ?? null,
      passwordHash: hash,
      role: s.role ?? 'user',
      isActive: s.isActive ?? true,
      isVerified: s.isVerified ?? false,
      ...(s.createdAt ? { createdAt: s.createdAt, updatedAt: s.createdAt } : {}),
      lastLoginAt: s.lastLoginAt ?? null,
    }),
  );
  await em.flush();
  return users;
}

/** A token for an existing account, on a new session (no password check, no audit event). */
export async function tokenFor(h: Harness, id: number): Promise<string> {
  const ctx = servicesOf(h);
  const user = await ctx.users.getById(id);
  return (await ctx.sessions.start(user)).accessToken;
}

/** A seeded account with a token: an admin unless `role` says otherwise. */
export async function seededAccount(
  h: Harness,
  username: string,
  role: User['role'] = 'admin',
): Promise<Account> {
  const [user] = await seedUsers(h, [{ email: `${username}@example.com`, username, role }]);
  return { id: user!.id, email: user!.email, username, token: await tokenFor(h, user!.id) };
}

/** One account seeded as `<username>@example.com`. */
export async function seedOne(h: Harness, username: string, extra: Partial<Seed> = {}): Promise<User> {
  const [user] = await seedUsers(h, [{ email: `${username}@example.com`, username, ...extra }]);
  return user!;
}

/** A caller for one request with the given token and headers (If-Match, client ip and user agent). */
export function requestCaller(
  h: Harness,
  opts: { token?: string | null; ifMatch?: string; ip?: string; userAgent?: string },
) {
  const { token, ...rest } = opts;
  return createCaller(
    createContextInner({ deps: h.deps, authorization: token ? `Bearer ${token}` : null, ...rest }),
  );
}

/** A fresh EntityManager whose transactions only begin once `wait` lets them (to start racing writers at once). */
export function lockstepBeginEm(h: Harness, wait: () => Promise<void>): EntityManager {
  const em = h.db.orm.em.fork();
  const begin = em.begin.bind(em);
  em.begin = async (options) => {
    await wait();
    return begin(options);
  };
  return em;
}

/** The audit rows the database holds now, oldest first. */
export function auditRows(
  h: Harness,
  where: Partial<Pick<AuditEvent, 'action' | 'actorId' | 'targetId'>> = {},
) {
  return h.db.orm.em.fork().find(AuditEvent, where, { orderBy: { id: 'asc' } });
}

/** Inserts audit events directly (chosen times), answering them in order. */
export async function seedAuditEvents(
  h: Harness,
  events: Pick<AuditEvent, 'action' | 'actorId' | 'targetId' | 'at'>[],
): Promise<AuditEvent[]> {
  const em = h.db.orm.em.fork();
  const rows = events.map((e) => em.create(AuditEvent, { ...e, details: null }));
  await em.flush();
  return rows;
}

/** Follows next_cursor to the end; answers every page's ids and totals. */
export async function walkPages<T extends { items: { id: number }[]; next_cursor: string | null }>(
  page: (cursor: string | undefined) => Promise<T>,
  maxPages = 100,
): Promise<{ ids: number[]; pages: T[] }> {
  const pages: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(cursor);
    pages.push(p);
    cursor = p.next_cursor ?? undefined;
  } while (cursor && pages.length < maxPages);
  return { ids: pages.flatMap((p) => p.items.map((i) => i.id)), pages };
}

/**
 * The ids the admin search's LIKE conditions alone match for `q` (and `where`, with its `params`), in creation order
 * (newest first by default): what a search must answer.
 */
export async function likeIds(
  h: Harness,
  q: string,
  opts: { order?: 'asc' | 'desc'; where?: string; params?: unknown[] } = {},
): Promise<number[]> {
  const { order = 'desc', where = '', params = [] } = opts;
  const p = `%${foldSearch(q).replace(/[!%_]/g, '!$&')}%`;
  const rows = await h.db.orm.em
    .fork()
    .getConnection()
    .execute<{ id: number }[]>(
      `select id from users where (email like ? escape '!' or lower(username) like ? escape '!' or ` +
        `full_name_folded like ? escape '!')${where} order by created_at ${order}, id ${order}`,
      [p, p, p, ...params],
    );
  return rows.map((r: { id: number }) => r.id);
}
