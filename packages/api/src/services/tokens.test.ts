import { decodeJwt, decodeProtectedHeader, SignJWT, base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { TEST_SETTINGS } from '../test/harness.js';
import { ACCESS_TOKEN_TYPE, TokenService } from './tokens.js';

const jwt = TEST_SETTINGS.jwt;
const tokens = new TokenService(jwt);
const key = new TextEncoder().encode(jwt.secret);
const SID = 'session-id-0123456789';
const now = () => Math.floor(Date.now() / 1000);

interface Forge {
  secret?: string;
  header?: Record<string, unknown>;
  sub?: string | null;
  iss?: string;
  aud?: string;
  iat?: number;
  exp?: number | null;
  jti?: string | null;
  sid?: string | null;
}

/** A token built by hand, valid unless an option says otherwise. */
function forge(opts: Forge = {}): Promise<string> {
  const builder = new SignJWT(opts.sid === null ? {} : { sid: opts.sid ?? SID })
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE, ...opts.header } as { alg: string })
    .setIssuer(opts.iss ?? jwt.issuer)
    .setAudience(opts.aud ?? jwt.audience)
    .setIssuedAt(opts.iat ?? now());
  if (opts.sub !== null) builder.setSubject(opts.sub ?? '42');
  if (opts.exp !== null) builder.setExpirationTime(opts.exp ?? now() + 600);
  if (opts.jti !== null) builder.setJti(opts.jti ?? 'jti-1');
  return builder.sign(opts.secret ? new TextEncoder().encode(opts.secret) : key);
}

async function rejection(token: string): Promise<AppError> {
  const error = await tokens.verifyAccessToken(token).then(
    () => {
      throw new Error('token was accepted');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('TokenService.issueAccessToken', () => {
  it('issues an HS256 at+jwt with sub, iss, aud, iat, exp = iat + ttl and a jti', async () => {
    const token = await tokens.issueAccessToken(7, SID);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: '7', iss: 'roster-test', aud: 'roster' });
    expect(claims.exp! - claims.iat!).toBe(1800);
    expect(Math.abs(claims.iat! - now())).toBeLessThanOrEqual(2);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens.ttlSeconds).toBe(1800);
  });

  it('gives every token its own jti', async () => {
    const [a, b] = await Promise.all([tokens.issueAccessToken(1, SID), tokens.issueAccessToken(1, SID)]);
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
  });
});

describe('TokenService.verifyAccessToken', () => {
  it('reads back the claims of a token it issued', async () => {
    const token = await tokens.issueAccessToken(42, SID);
    const claims = await tokens.verifyAccessToken(token);
    expect(claims.userId).toBe(42);
    expect(claims.jti).toBe(decodeJwt(token).jti);
    expect(claims.expiresAt).toBe(decodeJwt(token).exp);
  });

  it('accepts a hand-built token with every claim right', async () => {
    expect((await tokens.verifyAccessToken(await forge({ sub: '9' }))).userId).toBe(9);
  });

  const none = () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const payload = base64url.encode(
      JSON.stringify({
        sub: '1',
        iss: jwt.issuer,
        aud: jwt.audience,
        iat: now(),
        exp: now() + 600,
        jti: 'x',
      }),
    );
    return Promise.resolve(`${header}.${payload}.`);
  };

  it.each<[string, () => Promise<string>]>([
    ['an expired token', () => forge({ iat: now() - 3600, exp: now() - 60 })],
    [
      'a token signed with another secret',
      () => forge({ secret: 'another-secret-of-enough-length-0123456789' }),
    ],
    ['a token from another issuer', () => forge({ iss: 'someone-else' })],
    ['a token for another audience', () => forge({ aud: 'other-app' })],
    ['an unsecured (alg none) token', none],
    ['a token without typ', () => forge({ header: { typ: undefined } })],
    ['a token of another typ', () => forge({ header: { typ: 'JWT' } })],
    ['a token with a non-numeric subject', () => forge({ sub: 'admin' })],
    ['a token with subject 0', () => forge({ sub: '0' })],
    ['a token with a negative subject', () => forge({ sub: '-3' })],
    ['a token with a fractional subject', () => forge({ sub: '1.5' })],
    ['a token without a subject', () => forge({ sub: null })],
    ['a token without an expiry', () => forge({ exp: null })],
    ['a token without a jti', () => forge({ jti: null })],
    ['garbage', () => Promise.resolve('not-a-jwt')],
    ['an empty string', () => Promise.resolve('')],
    [
      'a token with a flipped signature',
      async () => `${(await tokens.issueAccessToken(1, SID)).slice(0, -2)}AA`,
    ],
  ])('refuses %s with one INVALID_TOKEN answer', async (_label, make) => {
    const error = await rejection(await make());
    expect(error.appCode).toBe('INVALID_TOKEN');
    expect(error.status).toBe(401);
    expect(error.message).toBe('Could not validate credentials');
  });

  it('forges what the table above claims it does', async () => {
    expect(decodeProtectedHeader(await forge({ header: { typ: undefined } }))).toEqual({ alg: 'HS256' });
    expect(decodeJwt(await forge({ sub: null }))).not.toHaveProperty('sub');
    expect(decodeJwt(await forge({ jti: null }))).not.toHaveProperty('jti');
    expect(decodeJwt(await forge({ exp: null }))).not.toHaveProperty('exp');
  });

  it('refuses an HS512 token even with the right secret', async () => {
    const token = await forge({ header: { alg: 'HS512' } });
    expect((await rejection(token)).appCode).toBe('INVALID_TOKEN');
  });
});
