import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors.js';
import type { ApiSettings } from '../settings.js';

const ALGORITHM = 'HS256';
export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessClaims {
  userId: number;
  jti: string;
  expiresAt: number;
}

// Security hardening (security suite): only our own canonical form of a subject ("42", never " 42", "4.2e1" or a
// number) and no token issued in the future (jose checks iat only together with maxTokenAge).
const CLOCK_SKEW_SECONDS = 5;
function canonicalSubject(sub: unknown): number | null {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,14}$/.test(sub)) return null;
  return Number(sub);
}
function issuedInFuture(iat: unknown): boolean {
  return typeof iat !== 'number' || iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS;
}

/** How many verified tokens are remembered (a bounded, insertion-ordered map; the oldest goes first). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Issues and verifies access tokens (JWT, HS256 only; iss, aud, exp, typ and sub all checked). A token that
 * verified once is remembered until it expires, so repeat requests skip the signature check; whether its account
 * may still act is decided on every request by the database, never by this cache.
 */
export class TokenService {
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly settings: ApiSettings['jwt'],
    private readonly cacheSize = VERIFIED_CACHE_SIZE,
  ) {
    this.key = new TextEncoder().encode(settings.secret);
  }

  get ttlSeconds(): number {
    return this.settings.accessTokenTtlSeconds;
  }

  async issueAccessToken(userId: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TOKEN_TYPE })
      .setSubject(String(userId))
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + this.settings.accessTokenTtlSeconds)
      .setJti(randomUUID())
      .sign(this.key);
  }

  /** Resolves the claims of a valid access token; anything else is a 401 INVALID_TOKEN. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt * 1000 > Date.now()) return known;
      this.verified.delete(token);
    }
    const claims = await this.verifySignature(token);
    if (this.verified.size >= this.cacheSize) {
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: ['sub', 'iat', 'exp', 'jti'],
      });
      const userId = canonicalSubject(payload.sub);
      if (userId === null || typeof payload.jti !== 'string' || issuedInFuture(payload.iat)) {
        throw new errors.JWTInvalid('bad subject, jti or iat');
      }
      return { userId, jti: payload.jti, expiresAt: payload.exp as number };
    } catch {
      // Malformed, forged, expired, wrong issuer, audience, type or algorithm: one answer for all.
      throw new AppError('INVALID_TOKEN', 'Could not validate credentials');
    }
  }
}
