import { createApiDeps, createContextInner } from '@roster/api';
import { User, type Database } from '@roster/db';
import { apiSettings } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/** ADMIN_EMAIL + ADMIN_PASSWORD: creates (or promotes) that account, only while no active admin exists. */
export async function bootstrapAdmin(db: Database, config: Config, logger: Logger): Promise<void> {
  if (!config.bootstrapAdmin) return;
  const em = db.orm.em.fork();
  if ((await em.count(User, { role: 'admin', isActive: true })) > 0) return;
  const ctx = createContextInner({
    deps: createApiDeps(db.orm, apiSettings(config)),
    em,
    userAgent: 'roster-bootstrap',
  });
  const outcome = await ctx.admin.ensureAdmin(config.bootstrapAdmin);
  logger.info({ email: config.bootstrapAdmin.email, outcome }, 'bootstrap admin applied (ADMIN_EMAIL)');
}
