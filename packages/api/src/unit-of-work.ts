import type { EntityManager } from '@mikro-orm/core';
import type { ApiDeps, Context } from './context.js';
import { AccountService } from './services/account.js';
import { AdminService } from './services/admin.js';
import { ApiKeyService } from './services/api-keys.js';
import { AuditService, type RequestMeta } from './services/audit.js';
import { AuthService } from './services/auth.js';
import { ImpersonationService } from './services/impersonation.js';
import { MfaService } from './services/mfa.js';
import { MfaLoginService } from './services/mfa-login.js';
import { PasskeyService } from './services/passkeys.js';
import { SessionService } from './services/sessions.js';
import { UserService } from './services/users.js';
import { WebhooksService } from './services/webhooks.js';

/**
 * The services of one unit of work, over one EntityManager: what a procedure call (or a CLI command, or start-up's
 * admin bootstrap) works with. Never shared: each call builds its own.
 */
export function createServices(deps: ApiDeps, em: EntityManager, request: RequestMeta) {
  const meta = { ip: request.ip, userAgent: request.userAgent };
  const audit = new AuditService(em, meta);
  const sessions = new SessionService(em, audit, meta, deps);
  const users = new UserService(em, deps.passwords, audit, sessions, deps.credentials, meta);
  const account = new AccountService(em, users, deps.passwords, sessions, audit, deps);
  const auth = new AuthService(em, users, sessions, audit, deps, meta, (user) =>
    account.remindToVerify(user),
  );
  const admin = new AdminService(em, users, audit, sessions, deps.searchGrams);
  const apiKeys = new ApiKeyService(em, users, audit);
  const impersonation = new ImpersonationService(em, users, audit, deps.tokens, meta);
  const webhooks = new WebhooksService(em, audit, deps);
  const mfa = new MfaService(em, users, audit, sessions, deps);
  const passkeys = new PasskeyService(em, users, auth, audit, sessions, deps);
  const mfaLogin = new MfaLoginService(em, users, auth, mfa, passkeys, audit);
  return {
    em,
    audit,
    sessions,
    users,
    account,
    auth,
    admin,
    apiKeys,
    impersonation,
    webhooks,
    mfa,
    passkeys,
    mfaLogin,
  };
}

export type Services = ReturnType<typeof createServices>;

/**
 * One procedure call's unit of work: a fresh EntityManager fork and services over it, whose writes commit in
 * transactions of this call alone (services open them with `inTransaction`, after any slow work such as hashing).
 * What the call changed is forgotten by the auth cache and announced to the other instances once its work is
 * committed (`AuthCache.scope`). A transaction left open by a bug is rolled back here, so no connection is ever
 * left idle in a transaction holding row locks.
 */
export function runUnitOfWork<T>(ctx: Context, work: (services: Services) => Promise<T>): Promise<T> {
  const services = createServices(ctx.deps, ctx.forkEm(), ctx);
  return ctx.deps.authCache.scope(async () => {
    try {
      return await work(services);
    } finally {
      // Never in place of the call's own outcome: a rollback on a dead connection fails as well.
      if (services.em.isInTransaction()) await services.em.rollback().catch(() => undefined);
    }
  });
}
