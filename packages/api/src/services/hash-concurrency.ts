import { availableParallelism } from 'node:os';

/** libuv's default thread pool size, which argon2, SQLite and fs share. */
const LIBUV_POOL = 4;

/**
 * Hashes at once in one process: its share of the cores when `workers` processes (WEB_CONCURRENCY) share them —
 * max(1, floor(cores / workers)) — and never all of libuv's pool (`pool` threads: UV_THREADPOOL_SIZE), so a query
 * always finds a thread.
 */
export function defaultHashConcurrency(
  cores = availableParallelism(),
  workers = 1,
  pool = LIBUV_POOL,
): number {
  const share = Math.floor(cores / Math.max(1, workers));
  return Math.max(1, Math.min(share, pool - 1));
}
