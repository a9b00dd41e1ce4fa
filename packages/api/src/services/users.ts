import { LockMode, raw, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { ActionToken, dialectOf, User, type Role } from '@roster/db';
import { AppError, invalidField } from '../errors.js';
import type { ListUsersInput, RegisterInput, UpdateMeInput } from '../schemas/user.js';
import { accountIdKey } from '../ratelimit/rules.js';
import type { CredentialChecks } from '../ratelimit/credentials.js';
import { diff, inTransaction, type AuditService, type RequestMeta } from './audit.js';
import type { PasswordHasher } from './passwords.js';
import { USER_FIELDS, type UserFields } from './serialize.js';
import type { RevokeReason, SessionService } from './sessions.js';
import { selectList, userColumn, userRows } from './user-rows.js';

type Conflict = 'email' | 'username';

type Verb = 'registered' | 'in use';

function conflictError(kind: Conflict, verb: Verb): AppError {
  const code = kind === 'email' ? 'USER_ALREADY_EXISTS' : 'USERNAME_TAKEN';
  if (verb === 'registered') return new AppError(code);
  return new AppError(code, kind === 'email' ? 'Email already in use' : 'Username already in use');
}

export interface NewAccount extends RegisterInput {
  role?: Role;
  is_active?: boolean;
  /** Only for accounts an operator creates (bootstrap admin): their address is taken as confirmed. */
  is_verified?: boolean;
}

export interface ProfileChanges extends UpdateMeInput {
  role?: Role;
  is_active?: boolean;
}

/** The profile fields as the API names them, for audit diffs. */
function profileOf(user: User): Record<string, unknown> {
  return {
    email: user.email,
    username: user.username,
    full_name: user.fullName,
    bio: user.bio,
    role: user.role,
    is_active: user.isActive,
  };
}

/** Accounts: creation, lookup, listing and profile changes. The database enforces uniqueness. */
export class UserService {
  constructor(
    private readonly em: EntityManager,
    private readonly passwords: PasswordHasher,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly credentials: CredentialChecks,
    private readonly request: RequestMeta,
  ) {}

  findById(id: number): Promise<User | null> {
    return this.em.findOne(User, { id });
  }

  /**
   * The full record of one account as a read-only row (no entity, no unit of work: what `users.byId` shows), or
   * 404 USER_NOT_FOUND.
   */
  async view(id: number): Promise<UserFields> {
    const em = this.em as SqlEntityManager;
    const [user] = await userRows<UserFields>(
      em,
      `select ${selectList(em, USER_FIELDS, 'u')} from users as u where u.${userColumn(em, 'id')} = ? limit 1`,
      [id],
    );
    return user ?? this.notFound();
  }

  async getById(id: number): Promise<User> {
    const user = await this.findById(id);
    return user ?? this.notFound();
  }

  notFound(): never {
    throw new AppError('USER_NOT_FOUND');
  }

  /** Looks a login name up as an email (normalized) or a username (case-insensitively). */
  findByLogin(login: string): Promise<User | null> {
    const value = login.trim().normalize('NFC').toLowerCase();
    const where = value.includes('@') ? { email: value } : { [raw('lower(username)')]: value };
    return this.em.findOne(User, where, { populate: ['passwordHash'] });
  }

  /** The account with this (normalized) email, if any. */
  findByEmail(email: string): Promise<User | null> {
    return this.em.findOne(User, { email });
  }

  /** 409 USERNAME_TAKEN when another account has this username (case-insensitively). */
  async assertUsernameFree(username: string): Promise<void> {
    if (await this.findConflict(undefined, username)) throw conflictError('username', 'registered');
  }

  private async findConflict(email: string | undefined, username: string | undefined, except?: number) {
    if (email !== undefined) {
      const other = await this.em.findOne(User, { email }, { fields: ['id'] });
      if (other && other.id !== except) return 'email' as const;
    }
    if (username !== undefined) {
      const other = await this.em.findOne(
        User,
        { [raw('lower(username)')]: username.toLowerCase() },
        { fields: ['id'] },
      );
      if (other && other.id !== except) return 'username' as const;
    }
    return null;
  }

  /**
   * Commits `work`; a unique violation (a concurrent writer won the race after our pre-check) becomes the 409 the
   * winner's row now causes, found by asking again rather than by parsing the driver's message.
   */
  private async commitOrConflict(
    work: () => Promise<void>,
    check: { email?: string; username?: string; except?: number },
    verb: Verb,
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      this.em.clear();
      throw conflictError(
        (await this.findConflict(check.email, check.username, check.except)) ?? 'email',
        verb,
      );
    }
  }

  /**
   * Creates an account: self-registration (no `actorId`), or by an admin or the system (`actorId`, null for the
   * CLI and start-up) choosing role and is_active. The email and username are looked up first (a taken one costs
   * no hash), unless the caller has just done so itself (`checked`); either way a unique violation at commit is
   * the same 409.
   */
  async register(
    input: NewAccount,
    actorId?: number | null,
    { checked = false }: { checked?: boolean } = {},
  ): Promise<User> {
    const conflict = checked ? null : await this.findConflict(input.email, input.username);
    if (conflict) throw conflictError(conflict, 'registered');
    const passwordHash = await this.passwords.hash(input.password);
    const user = this.em.create(User, {
      email: input.email,
      username: input.username,
      fullName: input.full_name ?? null,
      bio: input.bio ?? null,
      passwordHash,
      role: input.role ?? 'user',
      isActive: input.is_active ?? true,
      isVerified: input.is_verified ?? false,
    });
    await this.commitOrConflict(
      () =>
        inTransaction(this.em, async () => {
          await this.em.flush();
          this.audit.record(actorId === undefined ? 'user.registered' : 'admin.user_created', {
            actorId: actorId === undefined ? user.id : actorId,
            targetId: user.id,
            details: { role: user.role, is_active: user.isActive },
          });
        }),
      input,
      'registered',
    );
    return user;
  }

  /**
   * Applies profile (and, for admins, role and status) changes; audited with a diff in the same transaction.
   * `actorId` is who acts: the user themselves by default, an admin, or null for the CLI and start-up. With
   * `expected`, the change commits only while the row is still at that version (else VERSION_CONFLICT).
   */
  async update(
    account: User,
    input: ProfileChanges,
    actorId: number | null = account.id,
    expected: number | null = null,
  ): Promise<User> {
    // The caller's own account may come from the auth cache, detached: this unit of work takes it on as it is.
    const user = this.em.merge(account);
    const email = input.email !== undefined && input.email !== user.email ? input.email : undefined;
    const username =
      input.username !== undefined && input.username !== user.username ? input.username : undefined;
    const conflict = await this.findConflict(email, username, user.id);
    if (conflict) throw conflictError(conflict, 'in use');
    const before = profileOf(user);
    if (email !== undefined) {
      user.email = email;
      // A new address is unconfirmed until a link sent to it is opened.
      user.isVerified = false;
    }
    if (username !== undefined) user.username = username;
    if (input.full_name !== undefined) user.fullName = input.full_name;
    if (input.bio !== undefined) user.bio = input.bio;
    if (input.role !== undefined) user.role = input.role;
    if (input.is_active !== undefined) user.isActive = input.is_active;
    const changes = diff(before, profileOf(user));
    if (Object.keys(changes).length === 0) return user;
    const self = actorId === user.id;
    this.audit.record(self ? 'user.updated' : 'admin.user_updated', {
      actorId,
      targetId: user.id,
      details: changes,
    });
    if ('role' in changes)
      this.audit.record('user.role_changed', { actorId, targetId: user.id, details: { role: changes.role } });
    if ('is_active' in changes) {
      this.audit.record(user.isActive ? 'user.reactivated' : 'user.deactivated', {
        actorId,
        targetId: user.id,
      });
    }
    const deactivated = changes.is_active !== undefined && !user.isActive;
    const commit = () =>
      inTransaction(this.em, async () => {
        await this.bumpVersion(user, expected);
        await this.em.flush();
        // A deactivation ends every session in the same transaction.
        if (deactivated) await this.sessions.revokeAll(user.id, 'deactivated');
      });
    await this.commitOrConflict(commit, { email, username, except: user.id }, 'in use');
    return user;
  }

  /**
   * Bumps the account's version in SQL (`version = version + 1`, so concurrent changes never lose a bump), only
   * where it is still `expected` when one is given (else VERSION_CONFLICT). Call inside the change's transaction;
   * `user` learns its new version.
   */
  async bumpVersion(user: User, expected: number | null = null): Promise<void> {
    const where = expected === null ? { id: user.id } : { id: user.id, version: expected };
    if ((await this.em.nativeUpdate(User, where, { version: raw('version + 1') })) === 0) {
      throw new AppError('VERSION_CONFLICT');
    }
    // At an expected version the new one is known; otherwise another change may have bumped it too: read it.
    user.version = expected === null ? await this.currentVersion(user.id) : expected + 1;
    // The object's loaded state learns it too, so that the next flush does not write it back.
    const loaded = this.em.getUnitOfWork().getOriginalEntityData(user);
    if (loaded) loaded.version = user.version;
  }

  /**
   * The owner's own changes. A new email address needs the current password (a stolen token alone must not be
   * able to take the account over through a password reset) and is unverified until confirmed.
   */
  async updateMe(user: User, input: UpdateMeInput): Promise<User> {
    const { current_password: currentPassword, ...changes } = input;
    if (changes.email !== undefined && changes.email !== user.email) {
      if (currentPassword === undefined) {
        throw invalidField('current_password', 'Required to change the email address');
      }
      await this.assertPassword(user, currentPassword);
    }
    return this.update(user, changes);
  }

  private async currentVersion(id: number): Promise<number> {
    const em = this.em as SqlEntityManager;
    const [row] = await em.execute<{ version: number | string }[]>(
      `select ${userColumn(em, 'version')} as version from users where id = ?`,
      [id],
    );
    return Number(row?.version);
  }

  /** Hashes a new password: slow work, done before any transaction begins. */
  hashPassword(password: string): Promise<string> {
    return this.passwords.hash(password);
  }

  /**
   * Stores a new password hash (from `hashPassword`) in the caller's transaction (or one of its own): reset links
   * die, and so do the account's sessions, all but `keepSessionId`. The caller audits why.
   */
  async storePassword(
    userId: number,
    passwordHash: string,
    reason: RevokeReason,
    keepSessionId?: string,
  ): Promise<void> {
    await inTransaction(this.em, async () => {
      // One statement: the hash and the version bump (in SQL, as bumpVersion does); no copy of the row is read.
      const changed = await this.em.nativeUpdate(
        User,
        { id: userId },
        { passwordHash, version: raw('version + 1') },
      );
      if (changed === 0) this.notFound();
      await this.em.nativeDelete(ActionToken, { userId, purpose: 'password_reset' });
      await this.sessions.revokeAll(userId, reason, keepSessionId);
    });
  }

  /**
   * Refuses with WRONG_PASSWORD unless `password` is the account's current one; wrong guesses are limited per
   * account and per IP (RATE_LIMITED), apart from login's counters. The hash is read in a unit of work of its
   * own, so the request's copy of the account never holds it.
   */
  async assertPassword(user: User, password: string): Promise<void> {
    const who = { ip: this.request.ip, account: accountIdKey(user.id) };
    await this.credentials.guard('reauth', who, async () => {
      const stored = await this.em.fork().findOne(User, { id: user.id }, { fields: ['id', 'passwordHash'] });
      if (!(await this.passwords.verify(stored?.passwordHash ?? '', password))) {
        throw new AppError('WRONG_PASSWORD');
      }
    });
  }

  /**
   * At least one active admin must remain after `target` stops being one. Call inside a transaction: on
   * PostgreSQL the active admins' rows are locked, so two admins demoting each other at once cannot both win
   * (SQLite runs writers one at a time).
   */
  async assertNotLastAdmin(target: User): Promise<void> {
    if (target.role !== 'admin' || !target.isActive) return;
    const lockMode = dialectOf(this.em) === 'postgresql' ? LockMode.PESSIMISTIC_WRITE : LockMode.NONE;
    const admins = await this.em.find(User, { role: 'admin', isActive: true }, { fields: ['id'], lockMode });
    if (!admins.some((admin) => admin.id !== target.id)) {
      throw new AppError('LAST_ADMIN');
    }
  }

  /** Self-deactivation; the last active admin cannot leave the system without one. */
  async deactivate(user: User): Promise<void> {
    await inTransaction(this.em, async () => {
      await this.assertNotLastAdmin(user);
      await this.update(user, { is_active: false });
    });
  }

  /**
   * Newest first. Only admins may include deactivated accounts. A page is read-only: plain rows with the full
   * record's columns (no password hash), see user-rows.ts.
   */
  list(input: ListUsersInput, includeInactive: boolean): Promise<UserFields[]> {
    const em = this.em as SqlEntityManager;
    const column = (property: keyof User) => `u.${userColumn(em, property)}`;
    const where = includeInactive ? '' : ` where ${column('isActive')} = ?`;
    return userRows<UserFields>(
      em,
      `select ${selectList(em, USER_FIELDS, 'u')} from users as u${where} ` +
        `order by ${column('createdAt')} desc, ${column('id')} desc limit ? offset ?`,
      [...(includeInactive ? [] : [true]), input.limit, input.skip],
    );
  }
}
