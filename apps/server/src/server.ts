import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDatabase, migrateDatabase, openDatabase, type Database } from '@roster/db';
import { bootstrapAdmin } from './cli/admin-bootstrap.js';
import { createApiDeps, type ApiDeps } from '@roster/api';
import { apiSettings } from './infra/api-settings.js';
import { createApp } from './http/app.js';
import { loggableError } from './http/errors.js';
import { createMailer } from './infra/mailer.js';
import type { Config } from './infra/config.js';
import { createLogger, type Logger } from './infra/logger.js';
import { createMetrics, queryTimingLogger, type Metrics } from './infra/metrics.js';
import { Closers, drain } from './infra/shutdown.js';
import { closeRedis, connectRedis, rateLimitsFor } from './infra/redis.js';
import { authCacheFor } from './infra/invalidation.js';
import { startWebhookDispatcher } from './infra/webhook-dispatcher.js';

export interface RunningServer {
  url: string;
  server: Server;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  /** Register what must be closed at shutdown, after the last request and before the database (e.g. Redis). */
  closers: Closers;
  /**
   * Graceful stop: readiness answers 503 at once while requests are still served for SHUTDOWN_DELAY_MS; then no new
   * connections, in-flight requests get SHUTDOWN_TIMEOUT_MS to finish, then the remaining connections are cut, the
   * registered closers run and the database is closed.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Apply pending migrations before listening (default true). */
  migrate?: boolean;
}

/** Opens the database, applies migrations, and serves until `close()`. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config);
  const metrics = createMetrics();
  const db = await openDatabase(config.databaseUrl, {
    logger: (message) => logger.debug(message),
    // A pooled connection lost (terminated, the database restarted): the pool replaces it by itself.
    onWarning: (message) => logger.warn({ driver: message.slice(0, 300) }, 'database connection error'),
    acquireTimeoutMs: config.databaseAcquireTimeoutMs,
    idleInTransactionTimeoutMs: config.databaseIdleInTransactionTimeoutMs,
    overrides: { loggerFactory: queryTimingLogger(metrics) },
  });
  const closers = new Closers();
  const server = createServer();
  let draining = false;
  let deps: ApiDeps;
  const redis = await connectRedis(config, logger);
  closers.add('redis', () => closeRedis(redis));
  try {
    if (opts.migrate !== false) {
      const applied = await migrateDatabase(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    // One set of long-lived collaborators (hasher, token service) for start-up work and for requests.
    const mailer = createMailer(config, logger);
    deps = createApiDeps(db.orm, apiSettings(config), {
      events: metrics.events,
      mailer,
      rateLimits: rateLimitsFor(config, redis),
      authCache: authCacheFor(config, db, redis, closers, logger, metrics.registry),
      onTaskError: (error) => logger.error({ err: loggableError(error) }, 'background task failed'),
    });
    await deps.tokens.ready();
    // After the last request: mail still being sent for it, then the SMTP connections.
    closers.add('background tasks', () => deps.tasks.drain());
    closers.add('mailer', () => mailer.close());
    // Webhooks go out in the background, woken by each commit that queues some; stopped (its attempts in flight
    // aborted and handed back) before the database closes.
    const dispatcher = startWebhookDispatcher(config, db, deps.webhooks, logger, metrics.registry);
    closers.add('webhook dispatcher', () => dispatcher.stop());
    await bootstrapAdmin(deps, config, logger);
    const app = createApp({ config, db, logger, metrics, draining: () => draining }, deps);
    const handle = app.callback();
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Draining: every answer closes its connection, so no client sends another request on a socket that is
      // about to be closed (a keep-alive race that would reset it).
      if (draining) res.setHeader('Connection', 'close');
      void handle(req, res);
    });
    server.headersTimeout = 30_000;
    server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // What start-up opened so far (the auth cache's listener and Redis among it), then the database.
    await closers.closeAll(logger);
    await closeDatabase(db);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  // Links in emails default to where this server listens when PUBLIC_URL is not set.
  deps.settings.publicUrl ??= url;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    db,
    logger,
    metrics,
    closers,
    close() {
      closing ??= (async () => {
        // Readiness answers 503 from now on; new connections are still accepted and answered for the delay, so
        // that a load balancer takes the instance out before it stops listening.
        draining = true;
        if (config.shutdownDelayMs > 0)
          await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
        const { forced } = await drain(server, config.shutdownTimeoutMs);
        if (forced > 0) logger.warn({ connections: forced }, 'shutdown timeout: cut connections still open');
        await closers.closeAll(logger);
        await closeDatabase(db);
      })();
      return closing;
    },
  };
}
