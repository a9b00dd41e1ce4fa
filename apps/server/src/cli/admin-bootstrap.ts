import { AppError, createContextInner, runUnitOfWork, type ApiDeps } from '@roster/api';
import { User } from '@roster/db';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';

/**
 * ADMIN_EMAIL + ADMIN_PASSWORD: creates that account as an admin, only while no active admin exists. An account
 * someone already registered with that address is promoted only when its address is verified; otherwise start-up
 * goes on without an admin and says how to make one (`roster create-admin --promote`), so that registering the
 * address first neither takes the admin role nor keeps the server from starting. Like a request's changes, the
 * bootstrap is announced to running instances once committed (runUnitOfWork); a bus still down does not stop the
 * start either: their caches forget on their own within AUTH_CACHE_TTL_SECONDS.
 */
export async function bootstrapAdmin(deps: ApiDeps, config: Config, logger: Logger): Promise<void> {
  if (!config.bootstrapAdmin) return;
  const { bootstrapAdmin: account } = config;
  try {
    const outcome = await runUnitOfWork(
      createContextInner({ deps, userAgent: 'roster-bootstrap' }),
      async (api) => {
        if ((await api.em.count(User, { role: 'admin', isActive: true })) > 0) return null;
        return api.admin.ensureAdmin(account);
      },
    );
    if (outcome) logger.info({ email: account.email, outcome }, 'bootstrap admin applied (ADMIN_EMAIL)');
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.appCode === 'INVALIDATION_UNCONFIRMED') {
      logger.warn('bootstrap admin: the change could not be announced to other instances');
    } else if (error.appCode === 'ADMIN_ACCOUNT_UNVERIFIED') {
      logger.error(
        { email: account.email, code: error.appCode },
        `bootstrap admin not applied (ADMIN_EMAIL): ${error.message}`,
      );
    } else throw error;
  }
}
