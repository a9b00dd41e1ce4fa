import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import type { ApiSettings } from '../settings.js';

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

/**
 * argon2id hashing with parameters from config, and a decoy hash so unknown users cost one verification too.
 *
 * At most `concurrency` hashes run at once: one per core, and never all of libuv's default pool of 4 threads
 * (SQLite queries and file writes run there too; a login whose query waits behind four hashes leaves a core
 * idle). More would not finish sooner, and each holds `memoryCost` KiB while it runs.
 */
export class PasswordHasher {
  private decoy: Promise<string> | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly params: ApiSettings['argon2'],
    private readonly concurrency = params.concurrency ?? defaultHashConcurrency(),
  ) {}

  /** Hashes running now (never more than `concurrency`). */
  get inFlight(): number {
    return this.running;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((go) => this.waiting.push(go));
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `running` only drops when nobody waits.
      if (next) next();
      else this.running -= 1;
    }
  }

  hash(password: string): Promise<string> {
    return this.limited(() => argon2.hash(password, { type: argon2.argon2id, ...this.params }));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.limited(() => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }

  /** Spends the time of one verification against a hash no password matches. */
  async verifyDecoy(password: string): Promise<false> {
    this.decoy ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.decoy, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.params);
    } catch {
      return true;
    }
  }
}
