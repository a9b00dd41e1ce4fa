import type { Config } from './config.js';

const MASK = '********';

/** A URL with its password (and any password-like query parameter) masked; the rest is kept for diagnosis. */
export function maskUrl(url: string | null): string | null {
  if (url === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.includes('@') ? MASK : url; // not a URL (e.g. sqlite:./data/roster.db), or unreadable with credentials
  }
  if (parsed.password) parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, MASK);
  }
  return parsed.toString();
}

/** PEM text is a secret; a path to a PEM file is only where the secret lives. */
function maskKey(key: string | null): string | null {
  if (key === null) return null;
  return key.includes('-----BEGIN') ? `${MASK} (PEM)` : key;
}

/** The effective configuration for `roster check-config`: every value, with every secret masked. */
export function configReport(config: Config): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: config.databaseUrl.startsWith('sqlite') ? config.databaseUrl : maskUrl(config.databaseUrl),
    secretKey: config.secretKey === '' ? `(generated at start-up into ${config.dataDir}/secret.key)` : MASK,
    bootstrapAdmin: config.bootstrapAdmin && { ...config.bootstrapAdmin, password: MASK },
    mail: { ...config.mail, smtpUrl: maskUrl(config.mail.smtpUrl) },
    jwtPrivateKey: maskKey(config.jwtPrivateKey),
    jwtPreviousKey: maskKey(config.jwtPreviousKey),
    metricsToken: config.metricsToken && MASK,
    redisUrl: maskUrl(config.redisUrl),
    mfa: { ...config.mfa, encryptionKey: config.mfa.encryptionKey && MASK },
  };
}
