#!/usr/bin/env node
import { ConfigError, loadConfig, loadDotEnv } from './infra/config.js';
import { createLogger } from './infra/logger.js';
import { startServer } from './server.js';

await loadDotEnv();
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
const logger = createLogger(config);
if (config.secretSource === 'generated') {
  logger.warn(
    `SECRET_KEY is not set: generated one and kept it in ${config.dataDir}/secret.key (development only)`,
  );
}
const running = await startServer(config, { logger });
logger.info(
  { url: running.url, docs: `${running.url}/docs`, database: running.db.kind },
  'Roster is listening',
);

// Readiness 503 at once, keep serving for SHUTDOWN_DELAY_MS, then stop accepting, let in-flight requests finish
// (SHUTDOWN_TIMEOUT_MS), close what remains, exit 0.
// A second signal while draining exits at once.
let shuttingDown = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info(
      { signal, delayMs: config.shutdownDelayMs, timeoutMs: config.shutdownTimeoutMs },
      'shutting down',
    );
    running.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
