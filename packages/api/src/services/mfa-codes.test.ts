import { totpCode as rfcCode } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import {
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  otpauthUrl,
  qrSvg,
  recoveryCodeHash,
  totpCode,
} from './mfa-codes.js';

describe('TOTP (RFC 6238: SHA-1, 6 digits, 30 s)', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_000_000;
  const step = Math.floor(now / 30_000);

  it('makes 160-bit base32 secrets and the codes any RFC 6238 app shows', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpCode(secret, now)).toBe(rfcCode(secret, now));
  });

  it('accepts the code of now and of one step either side, and answers its step', () => {
    expect(matchingStep(secret, rfcCode(secret, now), now)).toBe(step);
    expect(matchingStep(secret, rfcCode(secret, now, -1), now)).toBe(step - 1);
    expect(matchingStep(secret, rfcCode(secret, now, 1), now)).toBe(step + 1);
    const spaced = rfcCode(secret, now);
    expect(matchingStep(secret, ` ${spaced.slice(0, 3)} ${spaced.slice(3)} `, now)).toBe(step);
  });

  it('refuses codes two steps away, other secrets’ codes and non-codes', () => {
    const far = [rfcCode(secret, now, -2), rfcCode(secret, now, 2)];
    for (const code of far) {
      if (![-1, 0, 1].some((d) => rfcCode(secret, now, d) === code))
        expect(matchingStep(secret, code, now)).toBeNull();
    }
    const other = newTotpSecret();
    const foreign = rfcCode(other, now);
    if (![-1, 0, 1].some((d) => rfcCode(secret, now, d) === foreign)) {
      expect(matchingStep(secret, foreign, now)).toBeNull();
    }
    expect(matchingStep(secret, '12345', now)).toBeNull();
    expect(matchingStep(secret, 'abcdef', now)).toBeNull();
  });

  it('writes the otpauth URL apps scan, and its QR code as SVG', async () => {
    const url = otpauthUrl(secret, 'ada@example.com', 'Roster');
    expect(url).toBe(
      `otpauth://totp/Roster:ada%40example.com?issuer=Roster&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    );
    const svg = await qrSvg(url);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trim()).toMatch(/<\/svg>$/);
  });
});

describe('recovery codes', () => {
  it('are ten distinct xxxxx-xxxxx codes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  });

  it('are stored as an HMAC of what matters in them: case, spaces and dashes do not', () => {
    const key = Buffer.alloc(32, 1);
    const hash = recoveryCodeHash(key, '7kq4m-x2c9p');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeHash(key, ' 7KQ4M X2C9P ')).toBe(hash);
    expect(normalizeRecoveryCode('7KQ4M-x2c9p')).toBe('7kq4mx2c9p');
    expect(recoveryCodeHash(Buffer.alloc(32, 2), '7kq4m-x2c9p')).not.toBe(hash);
  });
});
