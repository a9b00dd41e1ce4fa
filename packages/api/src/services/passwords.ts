import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { ApiSettings } from '../settings.js';
import { defaultHashConcurrency } from './hash-concurrency.js';

export { defaultHashConcurrency } from './hash-concurrency.js';

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
