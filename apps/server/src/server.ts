import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDatabase, migrateDatabase, openDatabase, type Database } from '@roster/db';
import { bootstrapAdmin } from './cli/admin-bootstrap.js';
import { createApiDeps, watchUserChanges, webhookOutbox, type ApiDeps, type Invalidation } from '@roster/api';
import { apiSettings } from './infra/api-settings.js';
import { provisionKeys } from './infra/keys.js';
import { createApp } from './http/app.js';
import { loggableError } from './http/errors.js';
import { createMailer } from './infra/mailer.js';
import type { Config } from './infra/config.js';
import { createLogger, type Logger } from './infra/logger.js';
import { createMetrics, queryTimingLogger, type Metrics, type WorkerMetrics } from './infra/metrics.js';
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
  /** The process-wide collaborators the procedures share (its caches among them): for tests and embedders. */
  deps: ApiDeps;
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
  /**
   * A cluster worker (WEB_CONCURRENCY > 1; its primary ran the migrations and the admin bootstrap, so a worker makes
   * no admin): the bus to its sibling workers, composed with the deployment's, rate-limit counters kept by the
   * primary, and its metrics labelled with its id and served together with its siblings'.
   */
  worker?: { siblings: Invalidation; metrics: WorkerMetrics };
}

/** While start-up is under way, the port is bound and every request is answered 503 (readiness included). */
function starting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1', Connection: 'close' });
  res.end(JSON.stringify({ detail: 'Starting up', code: 'SERVICE_UNAVAILABLE' }));
}

/**
 * Start-up, in order, every step in view: keys, database, Redis, migrations, the port, the API's collaborators
 * (the auth cache watching account changes among them), the webhook dispatcher, the first admin, then the app
 * takes the requests.
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config);
  const metrics = createMetrics(opts.worker?.metrics);
  // 1. Keys: read, or outside production generated once under DATA_DIR. Nothing else writes a key file.
  const keys = provisionKeys(config);
  // 2. The database (its pool), with every statement timed for the metrics.
  const db = await openDatabase(config.databaseUrl, {
    logger: (message) => logger.debug(message),
    // A pooled connection lost (terminated, the database restarted): the pool replaces it by itself.
    onWarning: (message) => logger.warn({ driver: message.slice(0, 300) }, 'database connection error'),
    acquireTimeoutMs: config.databaseAcquireTimeoutMs,
    idleInTransactionTimeoutMs: config.databaseIdleInTransactionTimeoutMs,
    overrides: { loggerFactory: queryTimingLogger(metrics) },
  });
  const closers = new Closers();
  const server = createServer(starting);
  let draining = false;
  let url: string;
  let deps: ApiDeps;
  // 3. Redis, when configured (rate limits, the invalidation bus).
  const redis = await connectRedis(config, logger);
  closers.add('redis', () => closeRedis(redis));
  try {
    // 4. Migrations.
    if (opts.migrate !== false) {
      const applied = await migrateDatabase(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    // 5. The port: bound now, so the address links point to is known (PORT=0 picks one); 503 until step 9. A
    //    cluster worker binds it at step 9 instead: its siblings answer meanwhile (its primary chose the port).
    url = opts.worker ? urlOf(config.host, config.port) : await listen(server, config);
    // 6. The API's collaborators, once, for start-up work and for requests. Links in emails point to PUBLIC_URL,
    //    or to where this server listens.
    const mailer = createMailer(config, logger);
    const authCache = authCacheFor(
      config,
      db,
      redis,
      closers,
      logger,
      metrics.registry,
      opts.worker?.siblings,
    );
    watchUserChanges(db.orm, authCache);
    // Every transaction that records a webhook event writes its deliveries (an ORM subscriber, once per ORM).
    const outbox = webhookOutbox(db.orm);
    deps = createApiDeps(db.orm, apiSettings(config, keys, config.publicUrl ?? url), {
      webhooks: outbox,
      events: metrics.events,
      mailer,
      rateLimits: rateLimitsFor(config, redis, opts.worker !== undefined),
      authCache,
      onTaskError: (error) => logger.error({ err: loggableError(error) }, 'background task failed'),
    });
    await deps.tokens.ready();
    // After the last request: mail still being sent for it, then the SMTP connections.
    closers.add('background tasks', () => deps.tasks.drain());
    closers.add('mailer', () => mailer.close());
    // 7. Webhooks go out in the background, woken by each commit that queues some; stopped (its attempts in
    //    flight aborted and handed back) before the database closes.
    const dispatcher = startWebhookDispatcher(config, db, deps.webhooks, logger, metrics.registry);
    closers.add('webhook dispatcher', () => dispatcher.stop());
    // 8. The first admin (ADMIN_EMAIL / ADMIN_PASSWORD), when configured; a worker's primary made it already.
    if (!opts.worker) await bootstrapAdmin(deps, config, logger);
    // 9. The app takes the requests.
    const handle = createApp({ config, db, logger, metrics, draining: () => draining }, deps).callback();
    server.off('request', starting);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Draining: every answer closes its connection, so no client sends another request on a socket that is
      // about to be closed (a keep-alive race that would reset it).
      if (draining) res.setHeader('Connection', 'close');
      void handle(req, res);
    });
    if (opts.worker) await listen(server, config);
  } catch (error) {
    // What start-up opened so far (the port, the auth cache's listener and Redis among it), then the database.
    if (server.listening) await new Promise((resolve) => server.close(resolve));
    await closers.closeAll(logger);
    await closeDatabase(db);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    db,
    logger,
    metrics,
    deps,
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

/** Listens on HOST:PORT; resolves with the URL this server answers at. */
async function listen(server: Server, config: Config): Promise<string> {
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return urlOf(config.host, (server.address() as AddressInfo).port);
}

/** The URL a server listening on `host`:`port` answers at. */
function urlOf(host: string, port: number): string {
  const name = host.includes(':') ? `[${host}]` : host;
  return `http://${name === '0.0.0.0' ? '127.0.0.1' : name}:${port}`;
}
