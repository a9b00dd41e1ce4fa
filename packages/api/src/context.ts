import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { AuthService } from './services/auth.js';
import { PasswordHasher } from './services/passwords.js';
import { TokenService } from './services/tokens.js';
import { UserService } from './services/users.js';
import type { ApiSettings } from './settings.js';

/** Long-lived collaborators, built once per process. */
export interface ApiDeps {
  orm: MikroORM;
  settings: ApiSettings;
  passwords: PasswordHasher;
  tokens: TokenService;
}

export function createApiDeps(orm: MikroORM, settings: ApiSettings): ApiDeps {
  return {
    orm,
    settings,
    passwords: new PasswordHasher(settings.argon2),
    tokens: new TokenService(settings.jwt),
  };
}

export interface ContextInnerOptions {
  deps: ApiDeps;
  /** The request's EntityManager; a fresh fork when omitted (tests, scripts). */
  em?: EntityManager;
  /** The raw Authorization header, if any. */
  authorization?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** The framework-free context: what every procedure sees. Adapters and tests build it the same way. */
export function createContextInner(opts: ContextInnerOptions) {
  const em = opts.em ?? opts.deps.orm.em.fork();
  const users = new UserService(em, opts.deps.passwords);
  const auth = new AuthService(em, users, opts.deps.passwords, opts.deps.tokens);
  return {
    em,
    deps: opts.deps,
    authorization: opts.authorization ?? null,
    ip: opts.ip ?? null,
    userAgent: opts.userAgent ?? null,
    users,
    auth,
  };
}

export type Context = ReturnType<typeof createContextInner>;
