import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { AuditEvent, dialectOf, User } from '@roster/db';
import { AppError, invalidField } from '../errors.js';
import type { AdminListInput, AuditInput, CreateUserInput, UpdateUserInput } from '../schemas/admin.js';
import { listUserPage, type AdminUserPage } from './admin-list.js';
import { inTransaction, type AuditService } from './audit.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { SearchGrams } from './search-grams.js';
import type { ListedSession } from './session-list.js';
import type { SessionService } from './sessions.js';
import type { UserService } from './users.js';

const DAY_MS = 86_400_000;

/** What admins do to accounts. Every change is audited in the transaction that makes it. */
export class AdminService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly grams: SearchGrams,
  ) {}

  /** A page of accounts (see listUserPage: one statement, plain rows). */
  listUsers(input: AdminListInput): Promise<AdminUserPage> {
    return listUserPage(this.em as SqlEntityManager, input, this.grams);
  }

  createUser(input: CreateUserInput, actor: User): Promise<User> {
    return this.users.register(input, actor.id);
  }

  /**
   * With an expected version (If-Match or expected_version) the update is a compare-and-swap: the version is
   * bumped in SQL only where it is still the one expected, so of two admins editing from the same version exactly
   * one wins and the other gets VERSION_CONFLICT. `If-Match: *` asks for no such check, on purpose.
   */
  async updateUser(input: UpdateUserInput, actor: User, ifMatch: number | '*' | null): Promise<User> {
    const given = input.expected_version;
    if (typeof ifMatch === 'number' && given !== undefined && given !== ifMatch) {
      throw invalidField('expected_version', 'Differs from If-Match');
    }
    const expected = given ?? (typeof ifMatch === 'number' ? ifMatch : null);
    return inTransaction(this.em, async () => {
      const target = await this.users.getById(input.id);
      if (expected !== null && target.version !== expected) throw new AppError('VERSION_CONFLICT');
      if ((input.role !== undefined && input.role !== 'admin') || input.is_active === false) {
        await this.users.assertNotLastAdmin(target);
      }
      return this.users.update(target, input, actor.id, expected);
    });
  }

  async setPassword(id: number, password: string, actor: User): Promise<void> {
    const target = await this.users.getById(id);
    const passwordHash = await this.users.hashPassword(password);
    await inTransaction(this.em, async () => {
      await this.users.storePassword(target.id, passwordHash, 'password_set_by_admin');
      this.audit.record('admin.password_set', { actorId: actor.id, targetId: target.id });
      await this.em.flush();
    });
  }

  /** A user's live sessions, impersonations marked (404 for an unknown user). */
  async userSessions(id: number): Promise<ListedSession[]> {
    await this.users.getById(id);
    return this.sessions.list(id);
  }

  /** Ends every session of a user; returns how many ended. */
  async revokeUserSessions(id: number, actor: User): Promise<number> {
    await this.users.getById(id);
    return inTransaction(this.em, async () => {
      const ended = await this.sessions.revokeAll(id, 'revoked_by_admin');
      this.audit.record('admin.sessions_revoked', { actorId: actor.id, targetId: id, details: { ended } });
      await this.em.flush();
      return ended;
    });
  }

  /** A hard delete: the row goes, and the audit trail keeps only the id (its details, ip and agent are erased). */
  async deleteUser(id: number, actor: User): Promise<void> {
    if (id === actor.id) throw new AppError('CANNOT_DELETE_SELF');
    const target = await this.users.getById(id);
    await inTransaction(this.em, async () => {
      await this.users.assertNotLastAdmin(target);
      await this.em.nativeUpdate(AuditEvent, { targetId: id }, { details: null });
      await this.em.nativeUpdate(AuditEvent, { actorId: id }, { ip: null, userAgent: null });
      this.em.remove(target);
      this.audit.record('admin.user_deleted', { actorId: actor.id, targetId: id });
      await this.em.flush();
    });
  }

  async stats(now = new Date()) {
    const [total, active, admins] = await Promise.all([
      this.em.count(User, {}),
      this.em.count(User, { isActive: true }),
      this.em.count(User, { role: 'admin' }),
    ]);
    const start = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - 29 * DAY_MS);
    const postgres = dialectOf(this.em) === 'postgresql';
    const sql = postgres
      ? `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as n from users where created_at >= ? group by 1`
      : `select date(created_at / 1000, 'unixepoch') as day, count(*) as n from users where created_at >= ? group by 1`;
    const rows: { day: string; n: number | string }[] = await this.em
      .getConnection()
      .execute(sql, [postgres ? start : start.getTime()]);
    const counts = new Map<string, number>(rows.map((r) => [r.day, Number(r.n)]));
    const signups = Array.from({ length: 30 }, (_, i) => {
      const date = new Date(start.getTime() + i * DAY_MS).toISOString().slice(0, 10);
      return { date, count: counts.get(date) ?? 0 };
    });
    return { total, active, inactive: total - active, admins, signups_per_day: signups };
  }

  async auditLog(input: AuditInput): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    const where: FilterQuery<AuditEvent>[] = [];
    if (input.actor_id) where.push({ actorId: input.actor_id });
    if (input.target_id) where.push({ targetId: input.target_id });
    if (input.action) where.push({ action: input.action });
    if (input.since) where.push({ at: { $gte: new Date(input.since) } });
    if (input.until) where.push({ at: { $lt: new Date(input.until) } });
    if (input.cursor) {
      const c = decodeCursor(input.cursor, 'at:desc', { date: true, nullable: false });
      const at = new Date(c.value as string);
      where.push({ $or: [{ at: { $lt: at } }, { at, id: { $lt: c.id } }] });
    }
    const rows = await this.em.find(AuditEvent, where.length ? { $and: where } : {}, {
      orderBy: { at: 'desc', id: 'desc' },
      limit: input.limit + 1,
    });
    const items = rows.slice(0, input.limit);
    const last = items.at(-1);
    const nextCursor =
      rows.length > input.limit && last
        ? encodeCursor({ sort: 'at:desc', value: last.at.toISOString(), id: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * Makes sure an admin exists (start-up's ADMIN_EMAIL and the CLI): creates the account with this email, or
   * promotes it. An existing account is never handed over on the strength of its address alone: whoever
   * registered it chose its password, so it is promoted only when its address is verified, or when the operator
   * says `promote` — then its sessions end and, when a password is given, it becomes the account's password.
   * Otherwise ADMIN_ACCOUNT_UNVERIFIED. Returns what it did.
   */
  async ensureAdmin(
    account: { email: string; username: string; password?: string; full_name?: string },
    opts: { promote?: boolean } = {},
  ): Promise<'created' | 'promoted' | 'unchanged'> {
    const existing = await this.em.findOne(User, { email: account.email });
    if (existing) {
      if (existing.role === 'admin' && existing.isActive) return 'unchanged';
      if (!existing.isVerified && !opts.promote) {
        throw new AppError('ADMIN_ACCOUNT_UNVERIFIED');
      }
      const passwordHash =
        opts.promote && account.password ? await this.users.hashPassword(account.password) : undefined;
      await inTransaction(this.em, async () => {
        await this.users.update(existing, { role: 'admin', is_active: true }, null);
        if (!opts.promote) return;
        if (passwordHash) await this.users.storePassword(existing.id, passwordHash, 'promoted_to_admin');
        else await this.sessions.revokeAll(existing.id, 'promoted_to_admin');
        this.audit.record('admin.promoted_explicitly', {
          actorId: null,
          targetId: existing.id,
          details: { verified: existing.isVerified, credentials_replaced: passwordHash !== undefined },
        });
        await this.em.flush();
      });
      return 'promoted';
    }
    if (!account.password) throw new AppError('USER_NOT_FOUND');
    // The operator named this address (ADMIN_EMAIL or the CLI): it counts as verified, or with
    // REQUIRE_VERIFIED_EMAIL the first admin could not log in without working mail.
    await this.users.register(
      { ...account, password: account.password, role: 'admin', is_verified: true },
      null,
    );
    return 'created';
  }

  /** The CLI's `set-role` (audited with no actor: the system did it). */
  async setRole(email: string, role: User['role']): Promise<User> {
    const user = await this.em.findOne(User, { email });
    if (!user) return this.users.notFound();
    return inTransaction(this.em, async () => {
      if (role !== 'admin') await this.users.assertNotLastAdmin(user);
      return this.users.update(user, { role }, null);
    });
  }
}
