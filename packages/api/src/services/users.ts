import { raw, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { User } from '@roster/db';
import { AppError } from '../errors.js';
import type { ListUsersInput, RegisterInput, UpdateMeInput } from '../schemas/user.js';
import type { PasswordHasher } from './passwords.js';

type Conflict = 'email' | 'username';

function conflictError(kind: Conflict, verb: 'registered' | 'in use'): AppError {
  return kind === 'email'
    ? new AppError('USER_ALREADY_EXISTS', verb === 'registered' ? 'Email already registered' : 'Email already in use')
    : new AppError('USERNAME_TAKEN', verb === 'registered' ? 'Username already taken' : 'Username already in use');
}

/** Accounts: creation, lookup, listing and profile changes. The database enforces uniqueness. */
export class UserService {
  constructor(
    private readonly em: EntityManager,
    private readonly passwords: PasswordHasher,
  ) {}

  findById(id: number): Promise<User | null> {
    return this.em.findOne(User, { id });
  }

  async getById(id: number): Promise<User> {
    const user = await this.findById(id);
    return user ?? this.notFound();
  }

  notFound(): never {
    throw new AppError('USER_NOT_FOUND', 'User not found');
  }

  /** Looks a login name up as an email (normalized) or a username (case-insensitively). */
  findByLogin(login: string): Promise<User | null> {
    const value = login.trim().normalize('NFC').toLowerCase();
    const where = value.includes('@') ? { email: value } : { [raw('lower(username)')]: value };
    return this.em.findOne(User, where, { populate: ['passwordHash'] });
  }

  private async findConflict(email: string | undefined, username: string | undefined, except?: number) {
    if (email !== undefined) {
      const other = await this.em.findOne(User, { email }, { fields: ['id'] });
      if (other && other.id !== except) return 'email' as const;
    }
    if (username !== undefined) {
      const other = await this.em.findOne(User, { [raw('lower(username)')]: username.toLowerCase() }, { fields: ['id'] });
      if (other && other.id !== except) return 'username' as const;
    }
    return null;
  }

  async register(input: RegisterInput): Promise<User> {
    const conflict = await this.findConflict(input.email, input.username);
    if (conflict) throw conflictError(conflict, 'registered');
    const passwordHash = await this.passwords.hash(input.password);
    const user = this.em.create(User, {
      email: input.email,
      username: input.username,
      fullName: input.full_name ?? null,
      bio: input.bio ?? null,
      passwordHash,
    });
    await this.flushOrConflict(input.email, input.username, undefined, 'registered');
    return user;
  }

  /**
   * Flushes; a unique violation (a concurrent writer won the race after our pre-check) becomes the 409 the
   * winner's row now causes, found by asking again rather than by parsing the driver's message.
   */
  private async flushOrConflict(
    email: string | undefined,
    username: string | undefined,
    except: number | undefined,
    verb: 'registered' | 'in use',
  ): Promise<void> {
    try {
      await this.em.flush();
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      this.em.clear();
      throw conflictError((await this.findConflict(email, username, except)) ?? 'email', verb);
    }
  }

  async updateProfile(user: User, input: UpdateMeInput): Promise<User> {
    const email = input.email !== undefined && input.email !== user.email ? input.email : undefined;
    const username =
      input.username !== undefined && input.username !== user.username ? input.username : undefined;
    const conflict = await this.findConflict(email, username, user.id);
    if (conflict) throw conflictError(conflict, 'in use');
    if (email !== undefined) user.email = email;
    if (username !== undefined) user.username = username;
    if (input.full_name !== undefined) user.fullName = input.full_name;
    if (input.bio !== undefined) user.bio = input.bio;
    await this.flushOrConflict(email, username, user.id, 'in use');
    return user;
  }

  async deactivate(user: User): Promise<void> {
    user.isActive = false;
    await this.em.flush();
  }

  /** Newest first. Only admins may include deactivated accounts. */
  list(input: ListUsersInput, includeInactive: boolean): Promise<User[]> {
    return this.em.find(User, includeInactive ? {} : { isActive: true }, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      offset: input.skip,
      limit: input.limit,
    });
  }
}
