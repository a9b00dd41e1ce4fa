import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { deriveKey } from './secrets.js';

/**
 * TOTP secrets at rest: AES-256-GCM under MFA_ENCRYPTION_KEY, or a key derived from the server secret when that is
 * unset. A stored secret is `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url), bound to its account (the user id is
 * the additional authenticated data): a database dump reveals no secret, and a row copied onto another account
 * does not decrypt. Each value names its key, so secrets stored under the derived key stay readable after
 * MFA_ENCRYPTION_KEY is set (they are re-encrypted under it on their next use).
 */

const VERSION = 'v1';

/** 32 bytes, given as base64 (or base64url) or as 64 hex digits. */
export function parseEncryptionKey(value: string): Buffer {
  const text = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error('MFA_ENCRYPTION_KEY must be 32 bytes, as base64 or 64 hex digits');
  return key;
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export class SecretBox {
  private readonly primary: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  /** `configured`: MFA_ENCRYPTION_KEY when set; the key derived from `secret` always decrypts too. */
  constructor(secret: string, configured?: string | null) {
    const derived = deriveKey(secret, 'mfa-totp-secret');
    const key = configured ? parseEncryptionKey(configured) : derived;
    this.primary = { id: keyId(key), key };
    this.keys.set(keyId(derived), derived);
    this.keys.set(this.primary.id, key);
  }

  seal(plain: string, userId: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, iv);
    cipher.setAAD(Buffer.from(`user:${userId}`));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, this.primary.id, iv, body, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** The secret, or null when the value was not sealed for this account under a key this process knows. */
  open(sealed: string, userId: number): string | null {
    const [version, id, iv, body, tag] = sealed.split('.');
    const key = id === undefined ? undefined : this.keys.get(id);
    if (version !== VERSION || !key || !iv || body === undefined || !tag) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`user:${userId}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return null;
    }
  }

  /** True when `sealed` is under another key than the one new secrets are sealed with. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.primary.id;
  }
}

/** The keys of second factors, derived once per process (see createApiDeps). */
export interface MfaKeys {
  /** Encrypts TOTP secrets. */
  box: SecretBox;
  /** Recovery codes are stored as HMACs under this key. */
  recovery: Buffer;
  /** An account's WebAuthn user handle is the HMAC of its id under this key (no id leaks to authenticators). */
  userHandle: Buffer;
}

export function mfaKeys(secret: string, encryptionKey?: string | null): MfaKeys {
  return {
    box: new SecretBox(secret, encryptionKey),
    recovery: deriveKey(secret, 'mfa-recovery-code'),
    userHandle: deriveKey(secret, 'webauthn-user-handle'),
  };
}
