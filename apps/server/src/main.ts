#!/usr/bin/env node
import { ConfigError, loadConfig, loadDotEnv } from './infra/config.js';
import { createLogger } from './infra/logger.js';
import { isRosterPrepare, isRosterWorker, runPrimary, runWorker, stopOnSignals } from './infra/workers.js';

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
const worker = isRosterWorker();
const prepare = isRosterPrepare();
const primary = !worker && !prepare && config.webConcurrency > 1;
// Workers, their primary and its start-up process write to one stdout: whole lines per write, never interleaved.
const logger = createLogger(config, undefined, { sharedStdout: worker || primary || prepare });
if (config.secretSource === 'generated') {
  logger.warn(
    `SECRET_KEY is not set: generated one and kept it in ${config.dataDir}/secret.key (development only)`,
  );
}
if (prepare) {
  // A primary's once-only start-up work (infra/workers.ts), then this process is done.
  const { prepareOnce } = await import('./infra/prepare.js');
  await prepareOnce(config, logger);
  process.exit(0);
} else if (worker) {
  // WEB_CONCURRENCY > 1, forked by the primary (infra/workers.ts).
  await runWorker(config, logger);
} else if (primary) {
  await runPrimary(config, logger);
} else {
  // Imported here: a primary never loads the HTTP stack.
  const { startServer } = await import('./server.js');
  const running = await startServer(config, { logger });
  logger.info(
    { url: running.url, docs: `${running.url}/docs`, database: running.db.kind },
    'Roster is listening',
  );
  // Readiness 503 at once, keep serving for SHUTDOWN_DELAY_MS, then stop accepting, let in-flight requests finish
  // (SHUTDOWN_TIMEOUT_MS), close what remains, exit 0. A second signal while draining exits at once.
  stopOnSignals(running, config, logger);
}
