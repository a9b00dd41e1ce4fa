import { createHmac, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * The codes of second factors, free of storage: RFC 6238 TOTP (SHA-1, 6 digits, 30-second steps, one step of
 * clock drift either way) and recovery codes (ten of 50 random bits each, stored as HMACs).
 */

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps of clock drift accepted on either side of now. */
export const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 alphabet, lower case: no i, l, o or u to misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function totp(secret: string, label = 'account', issuer = 'Roster'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** A new shared secret: 160 random bits (RFC 4226's recommendation), base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URL an authenticator app scans. */
export function otpauthUrl(secret: string, label: string, issuer: string): string {
  return totp(secret, label, issuer).toString();
}

/** The URL as a QR code, an SVG document. */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
}

/** A code as typed: spaces dropped ("123 456" is 123456). */
export function normalizeTotpCode(code: string): string {
  return code.replace(/\s+/g, '');
}

/**
 * The time step whose code `code` is, within TOTP_WINDOW steps of `now` (ms); null when it is none of them. The
 * caller accepts a step only once, and never one older than the last accepted (see MfaService).
 */
export function matchingStep(secret: string, code: string, now = Date.now()): number | null {
  const token = normalizeTotpCode(code);
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: now, window: TOTP_WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** The code of `secret` at `now` (tests and tools: what an authenticator app shows). */
export function totpCode(secret: string, now = Date.now()): string {
  return totp(secret).generate({ timestamp: now });
}

/** A fresh set of recovery codes, `xxxxx-xxxxx`. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** A recovery code as typed, reduced to what matters: lower case, no spaces or dashes. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, '');
}

/** What is stored of a recovery code: its HMAC-SHA256 under a key derived from the server secret, hex. */
export function recoveryCodeHash(key: Buffer, code: string): string {
  return createHmac('sha256', key).update(normalizeRecoveryCode(code)).digest('hex');
}
