import { fork as forkProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { serveClusterRateLimits } from '@roster/api/primary';
import type { DatabaseKind } from '@roster/db/database-url';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { RunningServer } from '../server.js';
import { MetricsGatherer, type MetricsMessage } from './cluster-metrics.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { processLink, SiblingRelay, siblingInvalidation } from './worker-bus.js';

// WEB_CONCURRENCY > 1: this process becomes a node:cluster primary. It has the once-only start-up work (keys,
// migrations, the first admin) done by a process of its own that exits when done (prepare.ts: the primary itself
// never loads the API or the ORM, ~130 MB it would hold for nothing), keeps the rate-limit counters, relays invalidations between the workers, gathers
// their metrics for a scrape, and forks WEB_CONCURRENCY workers that serve the one port (node hands them
// connections in turn). A worker that dies is restarted; SIGTERM / SIGINT drain every worker, a second signal ends
// them at once.

/** The argument that makes a forked process a Roster worker (a process forked by another cluster manager is not). */
const WORKER_ARG = '--roster-worker';
/** The argument of the process that does the once-only start-up work for a primary, then exits. */
const PREPARE_ARG = '--roster-prepare';
/** A worker that dies within this long of starting counts as failing again: its next restart waits longer. */
const STABLE_MS = 10_000;
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 10_000;

/** Primary ⇄ worker messages of the process supervision (the bus has its own: worker-bus.ts). */
type Control = { roster: 'worker:ready'; url: string; database: DatabaseKind } | { roster: 'worker:stop' };

const isControl = (value: unknown): value is Control =>
  typeof (value as { roster?: unknown } | null)?.roster === 'string' &&
  (value as { roster: string }).roster.startsWith('worker:');

/** A port free on `host` now (PORT=0: the workers must agree on one before they listen). */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** True in a process forked by `runPrimary`. */
export function isRosterWorker(): boolean {
  return cluster.isWorker && process.argv.includes(WORKER_ARG);
}

/** True in the process a primary starts for the once-only work (`prepareOnce`). */
export function isRosterPrepare(): boolean {
  return !cluster.isWorker && process.argv.includes(PREPARE_ARG);
}

/**
 * SIGINT / SIGTERM (and, in a worker, the primary's stop message): readiness 503 at once, keep serving for
 * SHUTDOWN_DELAY_MS, stop accepting, let in-flight requests finish (SHUTDOWN_TIMEOUT_MS), close the rest, exit 0.
 * A second signal while draining exits at once.
 */
export function stopOnSignals(running: RunningServer, config: Config, logger: Logger): () => void {
  let shuttingDown = false;
  const stop = (signal: string) => {
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
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stop(signal);
    });
  }
  // The primary's request to drain; one that comes while draining already (a terminal's Ctrl-C reaches every
  // process of the group, and the primary passes it on) changes nothing.
  return () => {
    if (!shuttingDown) stop('primary');
  };
}

/** A worker: joins its siblings' bus, serves (the primary did the once-only work), tells the primary it is ready. */
export async function runWorker(config: Config, base: Logger): Promise<void> {
  const logger = base.child({ worker: cluster.worker?.id ?? 0 });
  const siblings = siblingInvalidation(processLink());
  await siblings.joined;
  // Imported here: the primary, which imports this module too, never loads the HTTP stack.
  const { startServer } = await import('../server.js');
  const running = await startServer(config, {
    logger,
    migrate: false,
    worker: { siblings, metrics: { id: cluster.worker?.id ?? 0, link: processLink<MetricsMessage>() } },
  });
  const stop = stopOnSignals(running, config, logger);
  process.on('message', (message) => {
    if (isControl(message) && message.roster === 'worker:stop') stop();
  });
  logger.info({ url: running.url }, 'worker listening');
  process.send?.({ roster: 'worker:ready', url: running.url, database: running.db.kind } satisfies Control);
}

/**
 * The once-only work, in a process of its own (this script with PREPARE_ARG, the same environment): resolves once it
 * exited 0; its logs go to the same stdout.
 */
function prepareInChild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = forkProcess(process.argv[1]!, [...process.argv.slice(2), PREPARE_ARG], {
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`start-up work failed (exit ${code ?? signal})`)),
    );
  });
}

/** The primary: once-only work, then `config.webConcurrency` workers kept running until a signal stops them. */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  try {
    await prepareInChild();
  } catch (error) {
    // Its own lines said why.
    logger.error({ err: (error as Error).message }, 'start-up failed');
    process.exit(1);
  }
  serveClusterRateLimits();
  const relay = new SiblingRelay();
  // The primary's own process metrics, served with the workers' (worker="primary").
  const own = new Registry();
  own.setDefaultLabels({ worker: 'primary' });
  collectDefaultMetrics({ register: own });
  const wanted = config.webConcurrency;
  const bornAt = new Map<number, number>();
  const restarts = new Set<NodeJS.Timeout>();
  const ready = new Set<number>();
  let listening = false;
  let stopping = false;
  let failed = false;
  /** Workers still starting when the stop came: ended by signal, which is no failure of the shutdown. */
  const abandoned = new Set<number>();
  let failures = 0;
  const send = (worker: Worker, message: object) => {
    if (worker.isConnected()) worker.send(message, undefined, undefined, () => undefined);
  };
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const gatherer = new MetricsGatherer(
    () =>
      workers()
        .filter((w) => ready.has(w.id))
        .map((w) => [w.id, (message: object) => send(w, message)]),
    own,
  );

  const { threadPoolSize, semiSpaceMb, oldSpaceMb, v8PoolSize } = config.workerMemory;
  cluster.setupPrimary({
    args: [...process.argv.slice(2), WORKER_ARG],
    execArgv: [
      ...process.execArgv,
      ...(semiSpaceMb ? [`--max-semi-space-size=${semiSpaceMb}`] : []),
      ...(oldSpaceMb ? [`--max-old-space-size=${oldSpaceMb}`] : []),
      ...(v8PoolSize ? [`--v8-pool-size=${v8PoolSize}`] : []),
    ],
  });
  // The workers bind the port once ready (a restarted one must not answer 503 while starting), so they need to
  // know it before: PORT=0 (tests) is resolved here, once.
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const fork = () => {
    const worker = cluster.fork({
      PORT: String(port),
      ...(threadPoolSize ? { UV_THREADPOOL_SIZE: String(threadPoolSize) } : {}),
    });
    bornAt.set(worker.id, Date.now());
    worker.on('error', (error: Error) =>
      logger.warn({ worker: worker.id, err: error.message }, 'worker IPC error'),
    );
  };
  cluster.on('message', (worker, message: unknown) => {
    relay.receive(worker.id, message, (reply) => send(worker, reply));
    gatherer.receive(worker.id, message, (reply) => send(worker, reply));
    if (!isControl(message) || message.roster !== 'worker:ready') return;
    ready.add(worker.id);
    logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker ready');
    if (!listening && ready.size >= wanted) {
      listening = true;
      logger.info(
        { url: message.url, docs: `${message.url}/docs`, database: message.database, workers: wanted },
        'Roster is listening',
      );
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    relay.leave(worker.id);
    gatherer.leave(worker.id);
    ready.delete(worker.id);
    if (stopping) {
      if (code !== 0 && !abandoned.has(worker.id)) failed = true;
      if (workers().length === 0) {
        logger.info({ failed }, 'shutdown complete');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    const where = { worker: worker.id, pid: worker.process.pid, code, signal };
    if (!listening) {
      // A worker that cannot start (the port taken, the database unreachable): neither can the others.
      logger.error(where, 'worker exited during start-up');
      for (const other of workers()) other.process.kill('SIGKILL');
      process.exit(1);
    }
    failures = Date.now() - (bornAt.get(worker.id) ?? 0) < STABLE_MS ? failures + 1 : 0;
    bornAt.delete(worker.id);
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** Math.max(0, failures - 1));
    logger.warn({ ...where, restartInMs: delay }, 'worker exited unexpectedly: restarting it');
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork();
    }, delay);
    restarts.add(timer);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        for (const worker of workers()) worker.process.kill('SIGKILL');
        process.exit(1);
      }
      stopping = true;
      for (const timer of restarts) clearTimeout(timer);
      const running = workers();
      logger.info({ signal, workers: running.length }, 'shutting down: draining every worker');
      if (running.length === 0) process.exit(0);
      for (const worker of running) {
        if (ready.has(worker.id)) send(worker, { roster: 'worker:stop' } satisfies Control);
        else {
          abandoned.add(worker.id);
          worker.process.kill('SIGTERM');
        }
      }
    });
  }
  for (let i = 0; i < wanted; i++) fork();
}
