import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDatabase, migrateDatabase, openDatabase, type Database } from '@roster/db';
import { bootstrapAdmin } from './admin-bootstrap.js';
import { createApiDeps } from '@roster/api';
import { apiSettings, createApp } from './app.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { closeRedis, connectRedis, rateLimitsFor } from './redis.js';

export interface RunningServer {
  url: string;
  server: Server;
  db: Database;
  logger: Logger;
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
  const db = await openDatabase(config.databaseUrl, { logger: (message) => logger.debug(message) });
  const server = createServer();
  const redis = await connectRedis(config, logger);
  try {
    if (opts.migrate !== false) {
      const applied = await migrateDatabase(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    // One set of long-lived collaborators (hasher, token service) for start-up work and for requests.
    const deps = createApiDeps(db.orm, apiSettings(config), { rateLimits: rateLimitsFor(config, redis) });
    await bootstrapAdmin(deps, config, logger);
    server.on('request', createApp({ config, db, logger }, deps).callback());
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
    await closeRedis(redis);
    await closeDatabase(db);
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    db,
    logger,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await closeRedis(redis);
        await closeDatabase(db);
      })();
      return closing;
    },
  };
}
