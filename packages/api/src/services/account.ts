import { LockMode, type EntityManager } from '@mikro-orm/core';
import { ActionToken, dialectOf, User, type ActionPurpose } from '@roster/db';
import { AppError } from '../errors.js';
import {
  passwordResetMail,
  registrationAttemptMail,
  verificationMail,
  type BackgroundTasks,
  type Mailer,
  type MailMessage,
} from '../mail.js';
import type { RegisterInput } from '../schemas/user.js';
import type { ApiSettings } from '../settings.js';
import { inTransaction, type AuditService } from './audit.js';
import type { PasswordHasher } from './passwords.js';
import { hashToken, newOpaqueToken } from './secrets.js';
import type { SessionService } from './sessions.js';
import type { UserService } from './users.js';

const RESET_TTL_MS = 60 * 60_000;
const VERIFY_TTL_MS = 24 * 60 * 60_000;
/** A login refused for an unverified address mails a link at most this often per account. */
export const REMINDER_INTERVAL_MS = 10 * 60_000;

/** Where the emails' links lead: pages Roster serves, with the token in the fragment (never sent in requests). */
export const RESET_PATH = '/reset-password';
export const VERIFY_PATH = '/verify-email';

export interface AccountDeps {
  mailer: Mailer;
  tasks: BackgroundTasks;
  settings: ApiSettings;
}

/** Passwords (change, forgotten, reset) and email verification. Every token is single-use and stored hashed. */
export class AccountService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly passwords: PasswordHasher,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly deps: AccountDeps,
  ) {}

  private link(path: string, token: string): string {
    const base = this.deps.settings.publicUrl ?? 'http://localhost:8000';
    return `${base}${path}#token=${token}`;
  }

  /** Changes the caller's password; every other session of theirs ends. */
  async changePassword(user: User, sessionId: string, current: string, next: string): Promise<void> {
    await this.users.assertPassword(user, current);
    const passwordHash = await this.users.hashPassword(next);
    await inTransaction(this.em, async () => {
      await this.users.storePassword(user.id, passwordHash, 'password_changed', sessionId);
      this.audit.record('user.password_changed', { actorId: user.id, targetId: user.id });
      await this.em.flush();
    });
  }

  /**
   * Sends a reset link when `email` belongs to an active account. Runs after the response, so that known and
   * unknown addresses get the same answer in the same time.
   */
  forgotPassword(email: string): void {
    this.deps.tasks.run(async () => {
      const em = this.em.fork();
      const user = await em.findOne(User, { email, isActive: true });
      if (!user) return;
      const token = await this.createToken(em, user, 'password_reset', RESET_TTL_MS);
      this.audit.record('auth.password_reset_requested', { actorId: null, targetId: user.id }, em);
      await em.flush();
      await this.send(passwordResetMail(user.email, this.link(RESET_PATH, token), RESET_TTL_MS / 60_000));
    });
  }

  /**
   * Registration that does not tell whether an address has an account (REQUIRE_VERIFIED_EMAIL: nobody logs in
   * before following the link mailed to the address anyway). A new address gets its account and a verification
   * link; a known one gets a notice to its owner instead. Both cost one password hash and one audited write, and
   * both mails go after the response, so the caller sees the same answer in the same time. Usernames are public:
   * a taken one is still 409 USERNAME_TAKEN, checked first so that the answer never depends on the email.
   * Resolves to the new account, or null when the address was taken.
   */
  async registerQuietly(input: RegisterInput): Promise<User | null> {
    await this.users.assertUsernameFree(input.username);
    let owner = await this.users.findByEmail(input.email);
    if (!owner) {
      try {
        // Both looked up just now: the new address costs the lookups the known one does, no more.
        const user = await this.users.register(input, undefined, { checked: true });
        this.requestVerificationLater(user);
        return user;
      } catch (error) {
        if (!(error instanceof AppError) || error.appCode !== 'USER_ALREADY_EXISTS') throw error;
        // A concurrent registration won the address: answered as a known address.
        owner = await this.users.findByEmail(input.email);
      }
    } else {
      await this.passwords.hash(input.password);
    }
    if (owner) {
      const { id, email, isActive } = owner;
      await inTransaction(this.em, async () => {
        this.audit.record('auth.registration_duplicate', { actorId: null, targetId: id });
        await this.em.flush();
      });
      if (isActive) this.deps.tasks.run(() => this.send(registrationAttemptMail(email)));
    }
    return null;
  }

  /** Sets a new password from a reset link; all the account's sessions end. */
  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await this.users.hashPassword(password);
    await inTransaction(this.em, async () => {
      const { user } = await this.consume(token, 'password_reset');
      await this.users.storePassword(user.id, passwordHash, 'password_reset');
      this.audit.record('user.password_reset', { actorId: user.id, targetId: user.id });
      await this.em.flush();
    });
  }

  /** Mails a verification link to the caller's current address (nothing when it is already verified). */
  async requestVerification(user: User): Promise<void> {
    if (user.isVerified) return;
    const em = this.em.fork();
    const token = await this.createToken(em, user, 'email_verification', VERIFY_TTL_MS);
    await em.flush();
    await this.sendVerification(user.email, token);
  }

  /** Mails a verification link after the response (a new account with REQUIRE_VERIFIED_EMAIL). */
  requestVerificationLater(user: User): void {
    this.deps.tasks.run(() => this.requestVerification(user));
  }

  /**
   * After the response to a login refused for an unverified address (logged out, the owner has no other way to
   * ask): a link, unless one was made for the account in the last REMINDER_INTERVAL_MS, so that repeated logins
   * (anyone's: the address may be someone else's) mail at most one link per account per interval. The check and
   * the new link are one transaction; on PostgreSQL it holds the account's row, so two instances cannot both send.
   */
  remindToVerify(user: User): void {
    this.deps.tasks.run(async () => {
      const token = await this.em.fork().transactional(async (em) => {
        if (dialectOf(em) === 'postgresql') {
          await em.findOne(User, { id: user.id }, { fields: ['id'], lockMode: LockMode.PESSIMISTIC_WRITE });
        }
        const since = new Date(Date.now() - REMINDER_INTERVAL_MS);
        const recent = await em.count(ActionToken, {
          userId: user.id,
          purpose: 'email_verification',
          createdAt: { $gt: since },
        });
        return recent > 0 ? null : this.createToken(em, user, 'email_verification', VERIFY_TTL_MS);
      });
      if (token) await this.sendVerification(user.email, token);
    });
  }

  private sendVerification(to: string, token: string): Promise<void> {
    return this.send(verificationMail(to, this.link(VERIFY_PATH, token), VERIFY_TTL_MS / 3_600_000));
  }

  /** Marks the address a verification link was sent to as verified, if it is still the account's address. */
  async verifyEmail(token: string): Promise<User> {
    return inTransaction(this.em, async () => {
      const { user } = await this.consume(token, 'email_verification');
      if (!user.isVerified) {
        user.isVerified = true;
        await this.users.bumpVersion(user);
        this.audit.record('user.email_verified', { actorId: user.id, targetId: user.id });
      }
      await this.em.nativeDelete(ActionToken, { userId: user.id, purpose: 'email_verification' });
      await this.em.flush();
      return user;
    });
  }

  private async createToken(
    em: EntityManager,
    user: User,
    purpose: ActionPurpose,
    ttlMs: number,
  ): Promise<string> {
    const token = newOpaqueToken();
    em.create(ActionToken, {
      userId: user.id,
      purpose,
      tokenHash: hashToken(token),
      email: user.email,
      expiresAt: new Date(Date.now() + ttlMs),
    });
    return token;
  }

  /** Spends a single-use token inside the current transaction; of two racing uses one wins. */
  private async consume(token: string, purpose: ActionPurpose): Promise<{ user: User }> {
    const row = await this.em.findOne(ActionToken, { tokenHash: hashToken(token), purpose });
    const now = new Date();
    if (!row || row.usedAt !== null || row.expiresAt <= now) {
      throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    }
    const user = await this.users.findById(row.userId);
    // Bound to the address it was sent to, and only for accounts that may act.
    if (!user?.isActive || user.email !== row.email) {
      throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    }
    const claimed = await this.em.nativeUpdate(ActionToken, { id: row.id, usedAt: null }, { usedAt: now });
    if (claimed === 0) throw new AppError('INVALID_OR_EXPIRED_TOKEN');
    return { user };
  }

  private send(message: MailMessage): Promise<void> {
    return this.deps.mailer.send(message);
  }
}
