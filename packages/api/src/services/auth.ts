import type { EntityManager } from '@mikro-orm/core';
import type { User } from '@roster/db';
import { AppError } from '../errors.js';
import type { PasswordHasher } from './passwords.js';
import type { TokenService } from './tokens.js';
import type { UserService } from './users.js';

export interface LoginResult {
  user: User;
  accessToken: string;
  expiresIn: number;
}

const INCORRECT = 'Incorrect email or password';

/** Logging in and turning a bearer token back into the account it belongs to, as the database says now. */
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  async login(login: string, password: string): Promise<LoginResult> {
    const user = await this.users.findByLogin(login);
    if (!user) {
      await this.passwords.verifyDecoy(password);
      throw new AppError('INVALID_CREDENTIALS', INCORRECT);
    }
    if (!(await this.passwords.verify(user.passwordHash, password))) {
      throw new AppError('INVALID_CREDENTIALS', INCORRECT);
    }
    if (!user.isActive) throw new AppError('ACCOUNT_DEACTIVATED', 'Account is deactivated');
    if (this.passwords.needsRehash(user.passwordHash)) {
      user.passwordHash = await this.passwords.hash(password);
    }
    user.lastLoginAt = new Date();
    await this.em.flush();
    const accessToken = await this.tokens.issueAccessToken(user.id);
    return { user, accessToken, expiresIn: this.tokens.ttlSeconds };
  }

  /** The active account behind a bearer token; a deactivated or deleted one stops its tokens at once. */
  async authenticate(token: string): Promise<User> {
    const claims = await this.tokens.verifyAccessToken(token);
    const user = await this.users.findById(claims.userId);
    if (!user) throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
    if (!user.isActive) throw new AppError('INVALID_TOKEN', 'Account is deactivated');
    return user;
  }
}
