import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { provisionKeys } from './keys.js';

// Key files: written by start-up's provisionKeys only, outside production, once, mode 0600.
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-keys-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const load = (extra: Record<string, string> = {}, dir = dataDir) =>
  loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, DATABASE_URL: 'sqlite:///:memory:', ...extra });

describe('provisionKeys', () => {
  it('generates a missing SECRET_KEY into DATA_DIR/secret.key (0600) once, and reuses it', () => {
    const nested = join(dataDir, 'nested', 'data');
    const first = provisionKeys(load({}, nested));
    const file = join(nested, 'secret.key');
    expect(Buffer.byteLength(first.secretKey)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8')).toBe(`${first.secretKey}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = load({}, nested);
    expect(again.secretSource).toBe('file');
    expect(provisionKeys(again).secretKey).toBe(first.secretKey);
  });

  it('replaces a stored secret that is too short, and tightens its mode', () => {
    const file = join(dataDir, 'secret.key');
    writeFileSync(file, 'short\n');
    chmodSync(file, 0o644);
    const { secretKey } = provisionKeys(load());
    expect(secretKey).not.toBe('short');
    expect(readFileSync(file, 'utf8').trim()).toBe(secretKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('uses a given SECRET_KEY and writes nothing', () => {
    const keys = provisionKeys(load({ SECRET_KEY: 'k'.repeat(40) }));
    expect(keys).toEqual({ secretKey: 'k'.repeat(40), jwtPrivateKey: null, jwtPreviousKey: null });
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
  });

  it('generates an EdDSA key once under DATA_DIR when JWT_PRIVATE_KEY is not given', () => {
    const config = load({ SECRET_KEY: 'k'.repeat(40), JWT_ALGORITHM: 'EdDSA' });
    const first = provisionKeys(config).jwtPrivateKey;
    expect(first).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(join(dataDir, 'jwt-eddsa.pem')).mode & 0o777).toBe(0o600);
    expect(provisionKeys(config).jwtPrivateKey).toBe(first);
  });
});
