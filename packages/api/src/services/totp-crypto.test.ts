import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mfaKeys, parseEncryptionKey, SecretBox } from './totp-crypto.js';

const SECRET = 'roster-test-secret-0123456789-abcdefghij';
const PLAIN = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('SecretBox', () => {
  it('seals a TOTP secret with AES-256-GCM so that the stored value does not show it', () => {
    const box = new SecretBox(SECRET);
    const sealed = box.seal(PLAIN, 7);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(PLAIN);
    expect(Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('JBSW');
    expect(box.seal(PLAIN, 7)).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed, 7)).toBe(PLAIN);
  });

  it('binds the value to its account and refuses anything tampered with or malformed', () => {
    const box = new SecretBox(SECRET);
    const sealed = box.seal(PLAIN, 7);
    expect(box.open(sealed, 8)).toBeNull();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(box.open([...parts.slice(0, 3), body.toString('base64url'), parts[4]].join('.'), 7)).toBeNull();
    expect(box.open('v2.x.y.z.w', 7)).toBeNull();
    expect(box.open('garbage', 7)).toBeNull();
    expect(box.open(`v1.${parts[1]}..${parts[3]}.${parts[4]}`, 7)).toBeNull();
    expect(new SecretBox('another-secret-0123456789-abcdefghijkl').open(sealed, 7)).toBeNull();
  });

  it('uses MFA_ENCRYPTION_KEY when given, and still opens what the derived key sealed', () => {
    const derived = new SecretBox(SECRET);
    const key = randomBytes(32);
    const configured = new SecretBox(SECRET, key.toString('base64'));
    const old = derived.seal(PLAIN, 3);
    const current = configured.seal(PLAIN, 3);
    expect(configured.open(old, 3)).toBe(PLAIN);
    expect(configured.isStale(old)).toBe(true);
    expect(configured.isStale(current)).toBe(false);
    expect(derived.open(current, 3)).toBeNull();
    expect(new SecretBox(SECRET, key.toString('hex')).open(current, 3)).toBe(PLAIN);
  });
});

describe('parseEncryptionKey', () => {
  it('takes 32 bytes as base64, base64url or hex, and nothing else', () => {
    const key = randomBytes(32);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(` ${key.toString('base64url')} `)).toEqual(key);
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(() => parseEncryptionKey(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });
});

describe('mfaKeys', () => {
  it('derives one key per purpose from the secret', () => {
    const keys = mfaKeys(SECRET);
    expect(keys.recovery).toHaveLength(32);
    expect(keys.userHandle).toHaveLength(32);
    expect(keys.recovery.equals(keys.userHandle)).toBe(false);
    expect(mfaKeys(SECRET).recovery.equals(keys.recovery)).toBe(true);
  });
});
