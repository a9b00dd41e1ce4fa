import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiSettings } from '@roster/api';
import { writePrivateFile, type Config } from './config.js';

/** A PEM given inline (`-----BEGIN …`, `\n` escapes allowed) or as a path to a file holding one. */
function readPem(value: string): string {
  const inline = value.replace(/\\n/g, '\n').trim();
  if (inline.startsWith('-----BEGIN')) return `${inline}\n`;
  return readFileSync(resolve(value), 'utf8');
}

/**
 * The signing key for EdDSA/ES256: JWT_PRIVATE_KEY, or outside production one generated once under the data
 * folder (mode 0600), like the development secret.
 */
function signingKey(config: Config): string | null {
  if (config.jwtAlgorithm === 'HS256') return null;
  if (config.jwtPrivateKey) return readPem(config.jwtPrivateKey);
  if (config.env === 'production') {
    throw new Error(`JWT_PRIVATE_KEY: required with JWT_ALGORITHM=${config.jwtAlgorithm} in production`);
  }
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

/** What the API needs, from the validated configuration. */
export function apiSettings(config: Config): ApiSettings {
  return {
    jwt: {
      secret: config.secretKey,
      accessTokenTtlSeconds: config.accessTokenExpireMinutes * 60,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      algorithm: config.jwtAlgorithm,
      privateKey: signingKey(config),
      previousKey: config.jwtPreviousKey ? readPem(config.jwtPreviousKey) : null,
    },
    argon2: config.argon2,
    sessions: {
      refreshTokenTtlSeconds: config.sessions.refreshTokenDays * 86_400,
      maxAgeSeconds: config.sessions.maxDays * 86_400,
      reuseGraceSeconds: config.sessions.reuseGraceSeconds,
    },
    requireVerifiedEmail: config.requireVerifiedEmail,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    mfa: config.mfa,
    webauthn: config.webauthn,
  };
}
