/** What the API needs from configuration. The server builds it from the environment; tests build it directly. */
export interface ApiSettings {
  jwt: {
    /** The server secret: the HS256 key (at least 32 bytes) and the root of derived keys (refresh chains). */
    secret: string;
    accessTokenTtlSeconds: number;
    issuer: string;
    audience: string;
    /** HS256 (default) signs with `secret`; EdDSA and ES256 sign with `privateKey` and publish a JWKS. */
    algorithm?: 'HS256' | 'EdDSA' | 'ES256';
    /** PKCS#8 PEM of the signing key (EdDSA: Ed25519, ES256: P-256). */
    privateKey?: string | null;
    /** PEM (public or private) of the key being rotated out: it still verifies, never signs. */
    previousKey?: string | null;
  };
  argon2: {
    /** KiB. OWASP minimum: 19456. */
    memoryCost: number;
    timeCost: number;
    parallelism: number;
    /** Hashes computed at once; by default one per core, leaving a thread of libuv's pool to the database. */
    concurrency?: number;
  };
  sessions?: {
    /** How long one refresh token stays usable. */
    refreshTokenTtlSeconds: number;
    /** Absolute session lifetime: refreshing never extends a session past it. */
    maxAgeSeconds: number;
    /** A spent refresh token presented again within this window gets the same new pair instead of a logout. */
    reuseGraceSeconds: number;
  };
  /** Refuse logins of accounts whose email is not verified (403 EMAIL_NOT_VERIFIED). */
  requireVerifiedEmail?: boolean;
  /** Where links in emails point: Roster's public base URL (never taken from a request's Host header). */
  publicUrl?: string;
  webhooks?: {
    /** Accept webhook URLs that resolve to loopback, private or link-local addresses (WEBHOOK_ALLOW_PRIVATE). */
    allowPrivate?: boolean;
  };
}

export const DEFAULT_SESSIONS: NonNullable<ApiSettings['sessions']> = {
  refreshTokenTtlSeconds: 14 * 86_400,
  maxAgeSeconds: 30 * 86_400,
  reuseGraceSeconds: 10,
};
