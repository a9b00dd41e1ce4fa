import { createHash, createHmac, randomBytes } from 'node:crypto';

/** 256 random bits, base64url: refresh, reset and verification tokens. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 128 random bits, base64url: session ids. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

/** What is stored of an opaque token: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const derived = new Map<string, Buffer>();

/**
 * A key derived from the server secret for one purpose, so no two uses share a key. Remembered: services are built
 * per request, and a secret has few purposes.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = derived.get(id);
  if (!key) {
    if (derived.size > 64) derived.clear();
    key = createHmac('sha256', secret).update(`roster:${purpose}`).digest();
    derived.set(id, key);
  }
  return key;
}

/** HMAC-SHA256 of `value` under `key`, base64url. */
export function mac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}
