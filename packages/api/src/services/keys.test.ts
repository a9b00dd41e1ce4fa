import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiSettings } from '../settings.js';
import {
  createHarness,
  errorCodeOf,
  PASSWORD,
  sessionIdOf,
  TEST_SETTINGS,
  type Harness,
} from '../test/harness.js';
import { ACCESS_TOKEN_TYPE, TokenService } from './tokens.js';

interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

function pair(kind: 'ed25519' | 'p256' | 'p384' | 'rsa'): Pair {
  const keys =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'prime256v1' : 'secp384r1' });
  return {
    ...keys,
    privatePem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const ed = pair('ed25519');
const edOld = pair('ed25519');
const p256 = pair('p256');
const stranger = pair('ed25519');

const jwtSettings = (extra: Partial<ApiSettings['jwt']>): ApiSettings['jwt'] => ({
  ...TEST_SETTINGS.jwt,
  ...extra,
});
const service = (extra: Partial<ApiSettings['jwt']>) => new TokenService(jwtSettings(extra));
const kidOf = async (key: KeyObject) => calculateJwkThumbprint(await exportJWK(key));
const SID = 'session-id-0123456789';
const now = () => Math.floor(Date.now() / 1000);

/** A token signed by hand with `key`, valid for TEST_SETTINGS unless a header or claim says otherwise. */
function sign(
  key: KeyObject | Uint8Array,
  header: { alg: string } & Record<string, unknown>,
  claims: Record<string, unknown> = {},
) {
  return new SignJWT({ sid: SID, ...claims })
    .setProtectedHeader({ typ: ACCESS_TOKEN_TYPE, ...header })
    .setSubject('5')
    .setIssuer(TEST_SETTINGS.jwt.issuer)
    .setAudience(TEST_SETTINGS.jwt.audience)
    .setIssuedAt(now())
    .setExpirationTime(now() + 600)
    .setJti('jti-1')
    .sign(key);
}

async function refused(tokens: TokenService, token: string) {
  expect(await errorCodeOf(tokens.verifyAccessToken(token))).toBe('INVALID_TOKEN');
}

describe.each([['EdDSA', ed] as const, ['ES256', p256] as const])('%s', (algorithm, keys) => {
  const tokens = service({ algorithm, privateKey: keys.privatePem });

  it('signs with the configured key: alg, kid (its thumbprint) and typ in the header; verifies back', async () => {
    await tokens.ready();
    const token = await tokens.issueAccessToken(5, SID);
    expect(decodeProtectedHeader(token)).toEqual({
      alg: algorithm,
      typ: 'at+jwt',
      kid: await kidOf(keys.publicKey),
    });
    expect(await tokens.verifyAccessToken(token)).toMatchObject({ userId: 5, sessionId: SID });
  });

  it('publishes its public key in the JWKS, with kid, alg and use, and nothing private', async () => {
    const { keys: jwks } = await tokens.jwks();
    expect(jwks).toHaveLength(1);
    expect(jwks[0]).toMatchObject({ kid: await kidOf(keys.publicKey), alg: algorithm, use: 'sig' });
    expect(jwks[0]).not.toHaveProperty('d');
  });

  it('refuses an HS256 token made with the server secret', async () => {
    const hs = await sign(new TextEncoder().encode(TEST_SETTINGS.jwt.secret), { alg: 'HS256' });
    await refused(tokens, hs);
    await refused(tokens, await service({}).issueAccessToken(5, SID));
  });

  it('refuses a token without kid, with an unknown kid, or signed by a stranger under our kid', async () => {
    const kid = await kidOf(keys.publicKey);
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm }));
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid: 'not-a-kid-we-have' }));
    const other = algorithm === 'EdDSA' ? stranger : pair('p256');
    await refused(tokens, await sign(other.privateKey, { alg: algorithm, kid }));
    await refused(
      tokens,
      await sign(other.privateKey, { alg: algorithm, kid: await kidOf(other.publicKey) }),
    );
  });

  it('refuses tokens carrying jku, jwk, x5u or x5c headers even when correctly signed', async () => {
    const kid = await kidOf(keys.publicKey);
    const jwk = await exportJWK(keys.publicKey);
    for (const extra of [
      { jku: 'https://evil.example/jwks.json' },
      { jwk },
      { x5u: 'https://evil.example/cert.pem' },
      { x5c: ['MIIB'] },
    ]) {
      await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid, ...extra }));
    }
    // The same token without the header passes: the header alone is why.
    expect(
      (await tokens.verifyAccessToken(await sign(keys.privateKey, { alg: algorithm, kid }))).userId,
    ).toBe(5);
  });

  it('refuses a token without sid, or with a malformed one', async () => {
    const kid = await kidOf(keys.publicKey);
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid }, { sid: undefined }));
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid }, { sid: 'short' }));
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid }, { sid: 1234567890123456 }));
    await refused(
      tokens,
      await sign(keys.privateKey, { alg: algorithm, kid }, { sid: 'bad/chars/in/the/session' }),
    );
  });

  it('refuses a token of another typ', async () => {
    const kid = await kidOf(keys.publicKey);
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid, typ: 'JWT' }));
    await refused(tokens, await sign(keys.privateKey, { alg: algorithm, kid, typ: 'refresh+jwt' }));
  });
});

describe('key rotation', () => {
  it('verifies tokens of the previous key and lists both kids; signs only with the new one', async () => {
    const before = service({ algorithm: 'EdDSA', privateKey: edOld.privatePem });
    const oldToken = await before.issueAccessToken(9, SID);
    for (const previousKey of [edOld.privatePem, edOld.publicPem]) {
      const after = service({ algorithm: 'EdDSA', privateKey: ed.privatePem, previousKey });
      expect((await after.verifyAccessToken(oldToken)).userId).toBe(9);
      const kids = (await after.jwks()).keys.map((k) => k.kid);
      expect(kids).toEqual([await kidOf(ed.publicKey), await kidOf(edOld.publicKey)]);
      expect(decodeProtectedHeader(await after.issueAccessToken(9, SID)).kid).toBe(await kidOf(ed.publicKey));
    }
    // Once the previous key is dropped, its tokens stop.
    await refused(service({ algorithm: 'EdDSA', privateKey: ed.privatePem }), oldToken);
  });

  it('a previous key equal to the current one is listed once', async () => {
    const same = service({ algorithm: 'EdDSA', privateKey: ed.privatePem, previousKey: ed.publicPem });
    expect((await same.jwks()).keys).toHaveLength(1);
  });

  it('rotating across algorithms: each kid verifies only with its own algorithm', async () => {
    const tokens = service({ algorithm: 'EdDSA', privateKey: ed.privatePem, previousKey: p256.publicPem });
    const es = service({ algorithm: 'ES256', privateKey: p256.privatePem });
    expect((await tokens.verifyAccessToken(await es.issueAccessToken(3, SID))).userId).toBe(3);
    expect((await tokens.jwks()).keys.map((k) => k.alg)).toEqual(['EdDSA', 'ES256']);
    // ES256 signature under the EdDSA key's kid, and EdDSA under the ES256 kid: alg mismatch.
    await refused(tokens, await sign(p256.privateKey, { alg: 'ES256', kid: await kidOf(ed.publicKey) }));
    await refused(tokens, await sign(ed.privateKey, { alg: 'EdDSA', kid: await kidOf(p256.publicKey) }));
  });
});

describe('HS256', () => {
  it('publishes no keys and refuses tokens naming a kid or foreign key headers', async () => {
    const hs = service({});
    expect(await hs.jwks()).toEqual({ keys: [] });
    const secret = new TextEncoder().encode(TEST_SETTINGS.jwt.secret);
    expect((await hs.verifyAccessToken(await sign(secret, { alg: 'HS256' }))).userId).toBe(5);
    await refused(hs, await sign(secret, { alg: 'HS256', kid: 'k1' }));
    await refused(hs, await sign(secret, { alg: 'HS256', jku: 'https://evil.example/jwks.json' }));
    await refused(hs, await sign(secret, { alg: 'HS256', jwk: { kty: 'oct', k: 'AAAA' } }));
    await refused(hs, await sign(secret, { alg: 'HS256', x5u: 'https://evil.example/c.pem' }));
    await refused(hs, await sign(secret, { alg: 'HS256' }, { sid: undefined }));
    // An EdDSA token is not accepted where HS256 is configured.
    await refused(hs, await sign(ed.privateKey, { alg: 'EdDSA', kid: await kidOf(ed.publicKey) }));
  });
});

describe('misconfigured keys fail at ready()', () => {
  it.each<[string, Partial<ApiSettings['jwt']>, RegExp]>([
    ['EdDSA without a key', { algorithm: 'EdDSA' }, /JWT_PRIVATE_KEY is required/],
    ['ES256 with a null key', { algorithm: 'ES256', privateKey: null }, /JWT_PRIVATE_KEY is required/],
    ['EdDSA with a P-256 key', { algorithm: 'EdDSA', privateKey: p256.privatePem }, /does not match/],
    ['ES256 with an Ed25519 key', { algorithm: 'ES256', privateKey: ed.privatePem }, /does not match/],
    ['ES256 with a P-384 key', { algorithm: 'ES256', privateKey: pair('p384').privatePem }, /unsupported/],
    ['EdDSA with an RSA key', { algorithm: 'EdDSA', privateKey: pair('rsa').privatePem }, /unsupported/],
    ['EdDSA with a public key as private', { algorithm: 'EdDSA', privateKey: ed.publicPem }, /./],
    ['EdDSA with garbage', { algorithm: 'EdDSA', privateKey: 'not a pem' }, /./],
    [
      'a previous key of an unsupported type',
      { algorithm: 'EdDSA', privateKey: ed.privatePem, previousKey: pair('rsa').publicPem },
      /unsupported/,
    ],
  ])('%s', async (_label, extra, message) => {
    const tokens = service(extra);
    await expect(tokens.ready()).rejects.toThrow(message);
    // Every use fails the same way; verification answers INVALID_TOKEN.
    await expect(tokens.issueAccessToken(1, SID)).rejects.toThrow(message);
    expect(await errorCodeOf(tokens.verifyAccessToken('a.b.c'))).toBe('INVALID_TOKEN');
  });
});

describe('EdDSA end to end over the database', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      ...TEST_SETTINGS,
      jwt: jwtSettings({ algorithm: 'EdDSA', privateKey: ed.privatePem, previousKey: edOld.publicPem }),
    });
  });
  afterAll(() => h.close());

  it('logs in, authenticates, refreshes (grace gives the same pair) and logs out', async () => {
    const a = await h.account('Eddy');
    expect(decodeProtectedHeader(a.token)).toMatchObject({ alg: 'EdDSA', kid: await kidOf(ed.publicKey) });
    expect((await h.caller(a.token).auth.me()).id).toBe(a.id);
    const pair1 = await h.caller().auth.login({ username: a.email, password: PASSWORD });
    const next = await h.caller().auth.refresh({ refresh_token: pair1.refresh_token });
    const again = await h.caller().auth.refresh({ refresh_token: pair1.refresh_token });
    expect(again.refresh_token).toBe(next.refresh_token);
    // Ed25519 signatures are deterministic: the same access token too.
    expect(again.access_token).toBe(next.access_token);
    await h.caller(next.access_token).auth.logout();
    expect(await errorCodeOf(h.caller(next.access_token).auth.me())).toBe('INVALID_TOKEN');
    expect((await h.caller(a.token).auth.me()).id).toBe(a.id);
  });

  it('a token of the previous key for a live session is accepted; an HS256 one is not', async () => {
    const a = await h.account('Rota');
    const sid = sessionIdOf(a.token);
    const old = await service({ algorithm: 'EdDSA', privateKey: edOld.privatePem }).issueAccessToken(
      a.id,
      sid,
    );
    expect((await h.caller(old).auth.me()).id).toBe(a.id);
    const hs = await service({}).issueAccessToken(a.id, sid);
    expect(await errorCodeOf(h.caller(hs).auth.me())).toBe('INVALID_TOKEN');
  });
});
