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
  /** Second factors (authenticator apps, recovery codes, passkeys as second step). */
  mfa?: {
    /**
     * The AES-256-GCM key TOTP secrets are encrypted with: 32 bytes, base64 or hex. Unset: derived from the JWT
     * secret. Secrets encrypted under either stay readable (each names its key).
     */
    encryptionKey?: string | null;
    /** Admins without a second factor get 403 MFA_ENROLLMENT_REQUIRED on admin routes. */
    requireForAdmins?: boolean;
    /** The issuer authenticator apps show, and the relying party's name passkeys show (default "Roster"). */
    issuer?: string;
  };
  /** The WebAuthn relying party. By default its id is `publicUrl`'s host and its one origin `publicUrl`'s. */
  webauthn?: {
    rpId?: string | null;
    /** The origins (scheme://host[:port]) pages calling WebAuthn may have. */
    origins?: string[];
  };
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
