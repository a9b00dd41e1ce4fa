import { pendingMigrations, type Database } from '@roster/db';
import type { Middleware } from 'koa';
import type { Logger } from '../infra/logger.js';

interface ReadinessOptions {
  db: Database;
  logger: Logger;
  /** True once shutdown has begun: a draining instance takes no new traffic. */
  draining: () => boolean;
  /** How long the database may take to answer before the instance counts as not ready. */
  timeoutMs?: number;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * GET /health/ready: 200 when the database answers and no migration is pending; 503 SERVICE_UNAVAILABLE otherwise
 * (and while shutting down). GET /health stays a liveness probe that never touches the database.
 */
export function readiness({ db, logger, draining, timeoutMs = 3000 }: ReadinessOptions): Middleware {
  // The migrations are part of this build: once none is pending, none can become pending in this process, and the
  // probe only asks whether the database answers (not the migrator's table listing and history read each time).
  let migrated = false;
  const check = async (): Promise<number> => {
    if (migrated) {
      await db.orm.em.getConnection().execute('select 1');
      return 0;
    }
    const pending = (await pendingMigrations(db)).length;
    migrated = pending === 0;
    return pending;
  };
  return async function ready(ctx) {
    ctx.set('Cache-Control', 'no-store');
    let detail: string | null = null;
    if (draining()) {
      detail = 'Shutting down';
    } else {
      try {
        const pending = await withTimeout(check(), timeoutMs);
        if (pending > 0) detail = `Database migrations pending: ${pending}`;
      } catch (error) {
        logger.warn({ err: { message: (error as Error).message } }, 'readiness: database unreachable');
        detail = 'Database unreachable';
      }
    }
    if (detail === null) {
      ctx.body = { status: 'ready' };
      return;
    }
    ctx.status = 503;
    ctx.body = { detail, code: 'SERVICE_UNAVAILABLE' };
  };
}
