import { AuthCache, createApiDeps, localInvalidation, watchUserChanges } from '@roster/api';
import { closeDatabase, migrateDatabase, openDatabase } from '@roster/db';
import { bootstrapAdmin } from '../cli/admin-bootstrap.js';
import { apiSettings } from './api-settings.js';
import type { Config } from './config.js';
import { provisionKeys } from './keys.js';
import type { Logger } from './logger.js';

/**
 * What only one process may do, before any worker starts: keys, migrations, the first admin. Run by the process a
 * cluster primary starts for it (workers.ts), which exits once done.
 */
export async function prepareOnce(config: Config, logger: Logger): Promise<void> {
  const keys = provisionKeys(config);
  const db = await openDatabase(config.databaseUrl, {
    acquireTimeoutMs: config.databaseAcquireTimeoutMs,
    idleInTransactionTimeoutMs: config.databaseIdleInTransactionTimeoutMs,
  });
  try {
    const applied = await migrateDatabase(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    if (config.bootstrapAdmin) {
      // No worker runs yet, so no cache holds anything the bootstrap could make stale.
      const authCache = new AuthCache({ ttlMs: 0, bus: localInvalidation });
      watchUserChanges(db.orm, authCache);
      const deps = createApiDeps(db.orm, apiSettings(config, keys), { authCache });
      await deps.tokens.ready();
      await bootstrapAdmin(deps, config, logger);
      await deps.tasks.drain();
    }
  } finally {
    await closeDatabase(db);
  }
}
