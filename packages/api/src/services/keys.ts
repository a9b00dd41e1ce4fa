import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { ApiSettings } from '../settings.js';

export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

interface VerifyKey {
  kid: string;
  algorithm: JwtAlgorithm;
  key: KeyObject;
}

/**
 * The keys access tokens are signed and verified with. HS256 uses the server secret and publishes nothing;
 * EdDSA and ES256 sign with the configured private key (its RFC 7638 thumbprint is the `kid`) and verify with it
 * and with the previous key during a rotation. Both public keys are published as a JWKS.
 */
export interface KeyRing {
  algorithm: JwtAlgorithm;
  signing: { key: KeyObject | Uint8Array; kid?: string };
  /** The algorithms a token may name: only those of keys we hold. */
  algorithms: JwtAlgorithm[];
  /** The verification key for a token header; undefined when it names none of ours. */
  verificationKey(header: { alg?: string; kid?: string }): KeyObject | Uint8Array | undefined;
  jwks: { keys: JWK[] };
}

function algorithmOf(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`JWT key: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (Ed25519 or P-256)`);
}

async function verifyKeyOf(publicKey: KeyObject): Promise<VerifyKey & { jwk: JWK }> {
  const algorithm = algorithmOf(publicKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, algorithm, key: publicKey, jwk: { ...jwk, kid, alg: algorithm, use: 'sig' } };
}

export async function loadKeyRing(settings: ApiSettings['jwt']): Promise<KeyRing> {
  const algorithm = settings.algorithm ?? 'HS256';
  if (algorithm === 'HS256') {
    const secret = new TextEncoder().encode(settings.secret);
    return {
      algorithm,
      signing: { key: secret },
      algorithms: ['HS256'],
      // Our HS256 tokens carry no kid; a token naming one was not made here.
      verificationKey: (header) => (header.kid === undefined ? secret : undefined),
      jwks: { keys: [] },
    };
  }
  if (!settings.privateKey) throw new Error(`JWT_PRIVATE_KEY is required with JWT_ALGORITHM=${algorithm}`);
  const privateKey = createPrivateKey(settings.privateKey);
  if (algorithmOf(privateKey) !== algorithm) {
    throw new Error(`JWT_PRIVATE_KEY does not match JWT_ALGORITHM=${algorithm}`);
  }
  const current = await verifyKeyOf(createPublicKey(privateKey));
  const keys = [current];
  if (settings.previousKey) {
    const previous = await verifyKeyOf(createPublicKey(settings.previousKey));
    if (previous.kid !== current.kid) keys.push(previous);
  }
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  return {
    algorithm,
    signing: { key: privateKey, kid: current.kid },
    algorithms: [...new Set(keys.map((k) => k.algorithm))],
    verificationKey: (header) => {
      const found = header.kid === undefined ? undefined : byKid.get(header.kid);
      return found && found.algorithm === header.alg ? found.key : undefined;
    },
    jwks: { keys: keys.map((k) => k.jwk) },
  };
}
