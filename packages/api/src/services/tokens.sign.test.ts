import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtVerify, SignJWT } from 'jose';
import { signJws } from './tokens.js';

const header = { alg: 'HS256', typ: 'at+jwt' };
const payload = {
  sid: 'abcdefghijklmnopqrstuv',
  amr: ['pwd'],
  sub: '7',
  iss: 'i',
  aud: 'a',
  iat: 1,
  exp: 4_000_000_000,
  jti: 'j',
};

describe('signJws', () => {
  it('makes byte for byte the HS256 token jose makes', async () => {
    const key = new TextEncoder().encode('roster-test-secret-0123456789-abcdefghij');
    const ours = signJws('HS256', key, header, payload);
    expect(ours).toBe(
      await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(key),
    );
  });

  it('makes the EdDSA token jose makes (Ed25519 is deterministic)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const h = { alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' };
    const ours = signJws('EdDSA', privateKey, h, payload);
    expect(ours).toBe(await new SignJWT(payload).setProtectedHeader(h).sign(privateKey));
    expect((await jwtVerify(ours, publicKey, { algorithms: ['EdDSA'] })).payload).toEqual(payload);
  });

  it('makes ES256 signatures jose verifies (raw r||s, not DER)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ours = signJws('ES256', privateKey, { alg: 'ES256', typ: 'at+jwt', kid: 'k1' }, payload);
    expect(Buffer.from(ours.split('.')[2]!, 'base64url')).toHaveLength(64);
    const { payload: read, protectedHeader } = await jwtVerify(ours, publicKey, { algorithms: ['ES256'] });
    expect(read).toEqual(payload);
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' });
  });
});
