import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { ApiSettings } from '../settings.js';

/** argon2id hashing with parameters from config, and a decoy hash so unknown users cost one verification too. */
export class PasswordHasher {
  private decoy: Promise<string> | undefined;

  constructor(private readonly params: ApiSettings['argon2']) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
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
