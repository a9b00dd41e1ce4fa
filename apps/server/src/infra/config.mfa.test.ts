import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiSettings } from './api-settings.js';
import { configReport } from './config-report.js';
import { ConfigError, loadConfig } from './config.js';
import { provisionKeys } from './keys.js';

// The second-factor variables: MFA_ENCRYPTION_KEY, REQUIRE_MFA_FOR_ADMINS, MFA_ISSUER, WEBAUTHN_RP_ID and
// WEBAUTHN_ORIGINS, and how they reach the API.

const SECRET = 'a-secret-key-that-is-at-least-32-bytes-long';
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-config-mfa-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const load = (over: Record<string, string> = {}) =>
  loadConfig({ SECRET_KEY: SECRET, DATA_DIR: dataDir, ...over });
const failure = (over: Record<string, string>) => {
  try {
    load(over);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('second-factor configuration', () => {
  it('defaults to a derived key, no duty for admins, "Roster", and PUBLIC_URL as relying party', () => {
    const config = load();
    expect(config.mfa).toEqual({ encryptionKey: null, requireForAdmins: false, issuer: 'Roster' });
    expect(config.webauthn).toEqual({ rpId: null, origins: [] });
    expect(apiSettings(config, provisionKeys(config))).toMatchObject({ mfa: config.mfa, webauthn: config.webauthn });
  });

  it('reads every variable, and masks the key in check-config', () => {
    const key = randomBytes(32).toString('base64');
    const config = load({
      MFA_ENCRYPTION_KEY: key,
      REQUIRE_MFA_FOR_ADMINS: 'true',
      MFA_ISSUER: 'Example Accounts',
      PUBLIC_URL: 'https://accounts.example.com',
      WEBAUTHN_RP_ID: 'Example.com',
      WEBAUTHN_ORIGINS: 'https://accounts.example.com, https://app.example.com:8443/',
    });
    expect(config.mfa).toEqual({ encryptionKey: key, requireForAdmins: true, issuer: 'Example Accounts' });
    expect(config.webauthn).toEqual({
      rpId: 'example.com',
      origins: ['https://accounts.example.com', 'https://app.example.com:8443'],
    });
    expect(JSON.stringify(configReport(config))).not.toContain(key);
    expect(load({ MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex') }).mfa.encryptionKey).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it('refuses a key that is not 32 bytes, origins with paths, and a relying party the origins are not under', () => {
    expect(failure({ MFA_ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toContain(
      'MFA_ENCRYPTION_KEY',
    );
    expect(failure({ WEBAUTHN_ORIGINS: 'https://example.com/login' })).toContain('WEBAUTHN_ORIGINS');
    expect(failure({ WEBAUTHN_ORIGINS: 'ftp://example.com' })).toContain('WEBAUTHN_ORIGINS');
    expect(failure({ WEBAUTHN_RP_ID: 'https://example.com' })).toContain('WEBAUTHN_RP_ID');
    expect(
      failure({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil-example.com' }),
    ).toContain('not evil-example.com');
    expect(failure({ WEBAUTHN_RP_ID: 'example.com', PUBLIC_URL: 'https://example.org' })).toContain(
      'WEBAUTHN_RP_ID',
    );
    expect(load({ WEBAUTHN_RP_ID: 'localhost' }).webauthn.rpId).toBe('localhost');
  });
});
