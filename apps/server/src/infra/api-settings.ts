import type { ApiSettings } from '@roster/api';
import type { Config } from './config.js';
import type { Keys } from './keys.js';

/**
 * What the API needs, from the validated configuration, the provisioned keys and the public URL (PUBLIC_URL, or
 * where this server listens: links in emails point there).
 */
export function apiSettings(
  config: Config,
  keys: Keys,
  publicUrl: string | null = config.publicUrl,
): ApiSettings {
  return {
    jwt: {
      secret: keys.secretKey,
      accessTokenTtlSeconds: config.accessTokenExpireMinutes * 60,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      algorithm: config.jwtAlgorithm,
      privateKey: keys.jwtPrivateKey,
      previousKey: keys.jwtPreviousKey,
    },
    argon2: config.argon2,
    sessions: {
      refreshTokenTtlSeconds: config.sessions.refreshTokenDays * 86_400,
      maxAgeSeconds: config.sessions.maxDays * 86_400,
      reuseGraceSeconds: config.sessions.reuseGraceSeconds,
    },
    requireVerifiedEmail: config.requireVerifiedEmail,
    webhooks: { allowPrivate: config.webhooks.allowPrivate },
    ...(publicUrl ? { publicUrl } : {}),
    mfa: config.mfa,
    webauthn: config.webauthn,
  };
}
