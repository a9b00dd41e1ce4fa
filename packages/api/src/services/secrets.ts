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

/** A key derived from the server secret for one purpose, so no two uses share a key. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`roster:${purpose}`).digest();
}

/** The keys of refresh-token chains: derived once per process (see createApiDeps). */
export interface SessionKeys {
  /** A refresh token's successor is its HMAC under this key. */
  chain: Buffer;
  /** The access token's jti for a refresh token. */
  jti: Buffer;
}

export function sessionKeys(secret: string): SessionKeys {
  return { chain: deriveKey(secret, 'refresh-chain'), jti: deriveKey(secret, 'refresh-jti') };
}

/** HMAC-SHA256 of `value` under `key`, base64url. */
export function mac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}
