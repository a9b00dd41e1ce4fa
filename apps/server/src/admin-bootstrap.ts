import { createContextInner, type ApiDeps } from '@roster/api';
import { User } from '@roster/db';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** ADMIN_EMAIL + ADMIN_PASSWORD: creates (or promotes) that account, only while no active admin exists. */
export async function bootstrapAdmin(deps: ApiDeps, config: Config, logger: Logger): Promise<void> {
  if (!config.bootstrapAdmin) return;
  const ctx = createContextInner({ deps, userAgent: 'roster-bootstrap' });
  if ((await ctx.em.count(User, { role: 'admin', isActive: true })) > 0) return;
  const outcome = await ctx.admin.ensureAdmin(config.bootstrapAdmin);
  logger.info({ email: config.bootstrapAdmin.email, outcome }, 'bootstrap admin applied (ADMIN_EMAIL)');
}
