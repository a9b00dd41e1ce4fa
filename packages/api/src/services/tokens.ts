import { createHmac, randomUUID, sign, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, type JWK } from 'jose';
import { AppError } from '../errors.js';
import type { ApiSettings } from '../settings.js';
import { loadKeyRing, type JwtAlgorithm, type KeyRing } from './keys.js';

/** The `typ` of Roster's access tokens; no other token Roster issues is a JWT of this type. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i;

/** The token of an `Authorization: Bearer …` header; null when there is none or it is malformed. */
export function bearerToken(authorization: string | null | undefined): string | null {
  return (authorization ? BEARER.exec(authorization)?.[1] : undefined) ?? null;
}

export interface AccessClaims {
  userId: number;
  sessionId: string;
  jti: string;
  expiresAt: number;
  /** The admin acting as `userId` (the `act.sub` claim of an impersonation token); absent otherwise. */
  actorId?: number;
}

/** Fixes what makes a token unique, so that the same inputs give the same token (refresh grace retries). */
export interface IssueOptions {
  issuedAt?: number;
  jti?: string;
  /** Impersonation: the admin acting as the subject, carried as `act: {sub}` (RFC 8693). */
  actorId?: number;
  /** A lifetime shorter than the configured one (impersonation tokens). */
  ttlSeconds?: number;
  /** How the session's login was proved (RFC 8176): `["pwd"]`, `["pwd","otp"]`, `["hwk"]`, … */
  amr?: string[];
}

// Security hardening (security suite): only our own canonical form of a subject ("42", never " 42", "4.2e1" or a
// number) and no token issued in the future (jose checks iat only together with maxTokenAge).
const CLOCK_SKEW_SECONDS = 5;
function canonicalSubject(sub: unknown): number | null {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,14}$/.test(sub)) return null;
  return Number(sub);
}
/** The admin of an `act` claim (`{sub: "7"}`), or null when it is anything else. */
function actorOf(act: unknown): number | null {
  if (typeof act !== 'object' || act === null || Array.isArray(act)) return null;
  return canonicalSubject((act as { sub?: unknown }).sub);
}
function issuedInFuture(iat: unknown): boolean {
  return typeof iat !== 'number' || iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS;
}

const base64url = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64url');

/**
 * A compact JWS (RFC 7515) signed with node:crypto: the same token jose's SignJWT makes, without its async
 * WebCrypto round trip (HS256 through WebCrypto cost more than the rest of issuing). Verification stays with jose.
 */
export function signJws(
  algorithm: JwtAlgorithm,
  key: KeyObject | Uint8Array,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  let signature: Buffer;
  if (algorithm === 'HS256') signature = createHmac('sha256', key).update(input).digest();
  else if (algorithm === 'EdDSA') signature = sign(null, Buffer.from(input), key as KeyObject);
  else signature = sign('sha256', Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** How many verified tokens are remembered (a bounded, insertion-ordered map; the oldest goes first). */
const VERIFIED_CACHE_SIZE = 10_000;
/** Headers that would let a token choose its own verification key. Roster's tokens never carry them. */
const FOREIGN_KEY_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;
/** What a session id looks like (newSessionId: 128 bits, base64url); tokens and inputs are checked against it. */
export const SESSION_ID = /^[A-Za-z0-9_-]{16,32}$/;

/**
 * Issues and verifies access tokens: JWTs bound to a session (`sid`), with iss, aud, exp, typ, sub and the
 * algorithm all checked against an allow-list. A token that verified once is remembered until it expires, so
 * repeat requests skip the signature check; whether its session and account may still act is decided on every
 * request by the database, never by this cache.
 */
export class TokenService {
  private readonly keys: Promise<KeyRing>;
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly settings: ApiSettings['jwt'],
    private readonly cacheSize = VERIFIED_CACHE_SIZE,
  ) {
    this.keys = loadKeyRing(settings);
    // Surfaced by ready() (start-up) or the first use; never an unhandled rejection.
    this.keys.catch(() => undefined);
  }

  get ttlSeconds(): number {
    return this.settings.accessTokenTtlSeconds;
  }

  /** Resolves once the keys are loaded; rejects with what is wrong with them. */
  async ready(): Promise<void> {
    await this.keys;
  }

  /** The public keys other services verify Roster's tokens with (empty under HS256). */
  async jwks(): Promise<{ keys: JWK[] }> {
    return (await this.keys).jwks;
  }

  async issueAccessToken(userId: number, sessionId: string, opts: IssueOptions = {}): Promise<string> {
    const keys = await this.keys;
    const now = opts.issuedAt ?? Math.floor(Date.now() / 1000);
    const header: Record<string, unknown> = { alg: keys.algorithm, typ: ACCESS_TOKEN_TYPE };
    if (keys.signing.kid) header.kid = keys.signing.kid;
    const claims: Record<string, unknown> = { sid: sessionId };
    if (opts.amr) claims.amr = opts.amr;
    if (opts.actorId !== undefined) claims.act = { sub: String(opts.actorId) };
    Object.assign(claims, {
      sub: String(userId),
      iss: this.settings.issuer,
      aud: this.settings.audience,
      iat: now,
      exp: now + (opts.ttlSeconds ?? this.settings.accessTokenTtlSeconds),
      jti: opts.jti ?? randomUUID(),
    });
    return signJws(keys.algorithm, keys.signing.key, header, claims);
  }

  /** The claims of a token this process has verified before and that has not expired since; no crypto. */
  alreadyVerified(token: string): AccessClaims | undefined {
    const known = this.verified.get(token);
    if (!known) return undefined;
    if (known.expiresAt * 1000 > Date.now()) return known;
    this.verified.delete(token);
    return undefined;
  }

  /** Resolves the claims of a valid access token; anything else is a 401 INVALID_TOKEN. */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const known = this.alreadyVerified(token);
    if (known) return known;
    const claims = await this.verifySignature(token);
    if (this.verified.size >= this.cacheSize) {
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<AccessClaims> {
    try {
      const keys = await this.keys;
      const { payload } = await jwtVerify(
        token,
        (header) => {
          if (FOREIGN_KEY_HEADERS.some((name) => name in header)) {
            throw new errors.JWSInvalid('foreign key header');
          }
          const key = keys.verificationKey(header);
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        {
          algorithms: keys.algorithms,
          issuer: this.settings.issuer,
          audience: this.settings.audience,
          typ: ACCESS_TOKEN_TYPE,
          requiredClaims: ['sub', 'iat', 'exp', 'jti', 'sid'],
        },
      );
      const userId = canonicalSubject(payload.sub);
      const actorId = payload.act === undefined ? undefined : actorOf(payload.act);
      if (
        userId === null ||
        actorId === null ||
        issuedInFuture(payload.iat) ||
        typeof payload.jti !== 'string' ||
        typeof payload.sid !== 'string' ||
        !SESSION_ID.test(payload.sid)
      ) {
        throw new errors.JWTInvalid('bad claims');
      }
      const claims: AccessClaims = {
        userId,
        sessionId: payload.sid,
        jti: payload.jti,
        expiresAt: payload.exp as number,
      };
      if (actorId !== undefined) claims.actorId = actorId;
      return claims;
    } catch {
      // Malformed, forged, expired, wrong issuer, audience, type, key or algorithm: one answer for all.
      throw new AppError('INVALID_TOKEN');
    }
  }
}
