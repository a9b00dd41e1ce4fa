import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writePrivateFile, type Config } from './config.js';

/** What Roster signs and derives with, resolved from the configuration (see `provisionKeys`). */
export interface Keys {
  /** SECRET_KEY: HS256 tokens, refresh-token and session digests. */
  secretKey: string;
  /** The EdDSA/ES256 signing key (PEM), null under HS256. */
  jwtPrivateKey: string | null;
  /** The previous signing key (PEM), still accepted during a rotation. */
  jwtPreviousKey: string | null;
}

/** A PEM given inline (`-----BEGIN …`, `\n` escapes allowed) or as a path to a file holding one. */
function readPem(value: string): string {
  const inline = value.replace(/\\n/g, '\n').trim();
  if (inline.startsWith('-----BEGIN')) return `${inline}\n`;
  return readFileSync(resolve(value), 'utf8');
}

/** Outside production, SECRET_KEY unset: generated once into DATA_DIR/secret.key. */
function generatedSecret(config: Config): string {
  const secretKey = randomBytes(48).toString('base64url');
  writePrivateFile(resolve(config.dataDir, 'secret.key'), `${secretKey}\n`);
  return secretKey;
}

/** JWT_PRIVATE_KEY, or outside production a key generated once into DATA_DIR/jwt-<alg>.pem. */
function signingKey(config: Config): string | null {
  if (config.jwtAlgorithm === 'HS256') return null;
  if (config.jwtPrivateKey) return readPem(config.jwtPrivateKey);
  const file = resolve(config.dataDir, `jwt-${config.jwtAlgorithm.toLowerCase()}.pem`);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const { privateKey } =
    config.jwtAlgorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writePrivateFile(file, pem);
  return pem;
}

/**
 * The keys, read from where the configuration says, and — outside production only, when not given — generated
 * once under DATA_DIR (mode 0600) and reused after a restart. The one step of start-up (and of the CLI) that
 * writes key files: loading the configuration never does. Production refuses to start without them (config.ts).
 */
export function provisionKeys(config: Config): Keys {
  return {
    secretKey: config.secretKey === '' ? generatedSecret(config) : config.secretKey,
    jwtPrivateKey: signingKey(config),
    jwtPreviousKey: config.jwtPreviousKey ? readPem(config.jwtPreviousKey) : null,
  };
}
