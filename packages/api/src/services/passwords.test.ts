import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { TEST_SETTINGS } from '../test/harness.js';
import { defaultHashConcurrency, PasswordHasher } from './passwords.js';

const hasher = new PasswordHasher(TEST_SETTINGS.argon2);

describe('PasswordHasher', () => {
  it('hashes with argon2id and the configured parameters, salted', async () => {
    const a = await hasher.hash('s3cret-password');
    const b = await hasher.hash('s3cret-password');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('s3cret-password');
    expect(await hasher.verify(hash, 's3cret-password')).toBe(true);
    expect(await hasher.verify(hash, 's3cret-passwore')).toBe(false);
  });

  it('answers false instead of throwing for a stored value that is not an argon2 hash', async () => {
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
    expect(await hasher.verify('', 'anything')).toBe(false);
  });

  it('spends a verification on a decoy hash and always refuses', async () => {
    expect(await hasher.verifyDecoy('correct horse battery')).toBe(false);
    expect(await hasher.verifyDecoy('')).toBe(false);
  });

  it('asks for a rehash only when the parameters differ', async () => {
    const current = await hasher.hash('pw-123456');
    expect(hasher.needsRehash(current)).toBe(false);
    const stronger = new PasswordHasher({ ...TEST_SETTINGS.argon2, timeCost: 3 });
    expect(stronger.needsRehash(current)).toBe(true);
    const older = await argon2.hash('pw-123456', {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 2,
      parallelism: 1,
    });
    expect(hasher.needsRehash(older)).toBe(true);
  });

  it('asks for a rehash of anything it cannot parse', () => {
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
    expect(hasher.needsRehash('garbage')).toBe(true);
  });

  it('runs at most `concurrency` hashes at once, and every caller gets its answer', async () => {
    const two = new PasswordHasher(TEST_SETTINGS.argon2, 2);
    const hash = await two.hash('s3cret-password');
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, two.inFlight)), 1);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => two.verify(hash, i % 2 === 0 ? 's3cret-password' : 'wrong')),
    );
    clearInterval(sample);
    expect(results).toEqual([true, false, true, false, true]);
    expect(most).toBe(2);
    expect(two.inFlight).toBe(0);
  });

  it('shares the cores between the workers that run on them, at least one hash each', () => {
    // [cores, workers, hashes at once per worker]
    const table: [number, number, number][] = [
      [2, 1, 2],
      [2, 2, 1],
      [2, 3, 1],
      [4, 2, 2],
      [8, 2, 3], // never all of libuv's four pool threads
      [16, 4, 3],
      [16, 8, 2],
      [1, 1, 1],
      [6, 4, 1],
    ];
    for (const [cores, workers, expected] of table) {
      expect([cores, workers, defaultHashConcurrency(cores, workers)]).toEqual([cores, workers, expected]);
    }
    expect(defaultHashConcurrency(4, 0)).toBe(3);
    // A smaller pool (UV_THREADPOOL_SIZE, to hold fewer hash arenas) still leaves a thread to the queries.
    expect(defaultHashConcurrency(2, 1, 3)).toBe(2);
    expect(defaultHashConcurrency(2, 1, 2)).toBe(1);
    expect(defaultHashConcurrency(8, 1, 8)).toBe(7);
  });

  it('hashes one per core by default and leaves one of libuv’s four pool threads free', async () => {
    expect(defaultHashConcurrency()).toBe(Math.max(1, Math.min(availableParallelism(), 3)));
    const configured = new PasswordHasher({ ...TEST_SETTINGS.argon2, concurrency: 1 });
    const hash = await configured.hash('s3cret-password');
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, configured.inFlight)), 1);
    await Promise.all(Array.from({ length: 3 }, () => configured.verify(hash, 's3cret-password')));
    clearInterval(sample);
    expect(most).toBe(1);
  });
});
