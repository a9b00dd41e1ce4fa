import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { describe, expect, it, vi } from 'vitest';
import { cbor, freshTotpWindow, SoftAuthenticator, totpCode } from './mfa.js';

describe('totpCode', () => {
  // RFC 6238 appendix B (SHA-1), the last six of its eight digits: secret "12345678901234567890".
  const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('at %i s is %s', (seconds, code) => {
    expect(totpCode(SECRET, seconds * 1000)).toBe(code);
  });

  it('steps back and forth, and refuses what is not base32', () => {
    expect(totpCode(SECRET, 89_000, -1)).toBe('287082');
    expect(totpCode(`${SECRET}==`.toLowerCase(), 59_000)).toBe('287082');
    expect(() => totpCode('not base32!')).toThrow('not base32');
  });

  it('waits for a fresh window only near the end of one', async () => {
    vi.useFakeTimers({ now: 29_000 });
    try {
      const waited = freshTotpWindow(3_000);
      await vi.advanceTimersByTimeAsync(1_100);
      await waited;
      expect(Date.now()).toBeGreaterThanOrEqual(30_000);
      vi.setSystemTime(31_000);
      await freshTotpWindow(3_000);
      expect(Date.now()).toBe(31_000);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('cbor', () => {
  it('encodes integers, strings, bytes, arrays and maps', () => {
    expect(cbor(10).toString('hex')).toBe('0a');
    expect(cbor(100).toString('hex')).toBe('1864');
    expect(cbor(1000).toString('hex')).toBe('1903e8');
    expect(cbor(1_000_000).toString('hex')).toBe('1a000f4240');
    expect(cbor(-7).toString('hex')).toBe('26');
    expect(cbor('a').toString('hex')).toBe('6161');
    expect(cbor(Buffer.from([1, 2])).toString('hex')).toBe('420102');
    expect(cbor([1, [2]]).toString('hex')).toBe('82018102');
    expect(cbor(new Map([[1, 2]])).toString('hex')).toBe('a10102');
  });
});

describe('SoftAuthenticator', () => {
  const origin = 'https://roster.example';
  const rpID = 'roster.example';

  it('registers a passkey and signs in with it as @simplewebauthn/server expects', async () => {
    const device = new SoftAuthenticator(origin);
    const options = await generateRegistrationOptions({ rpName: 'Roster', rpID, userName: 'ada' });
    const registration = await verifyRegistrationResponse({
      response: device.create(options),
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    expect(registration.verified).toBe(true);
    const credential = registration.registrationInfo!.credential;

    const request = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }] });
    const assertion = device.get(request);
    expect(assertion.response.userHandle).toBe(options.user.id);
    const login = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: request.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential,
      requireUserVerification: true,
    });
    expect(login).toMatchObject({ verified: true, authenticationInfo: { newCounter: 1 } });

    // A clone answers with the same counter as the original's next use: one of the two is refused.
    const twin = device.clone();
    expect(twin.get(await generateAuthenticationOptions({ rpID })).response.authenticatorData).toBe(
      device.get(await generateAuthenticationOptions({ rpID })).response.authenticatorData,
    );
    expect(() => device.get({ challenge: 'x', allowCredentials: [{ id: 'other' }] })).toThrow(
      'no credential',
    );
  });

  it('can leave user verification out', async () => {
    const device = new SoftAuthenticator(origin, false);
    const options = await generateRegistrationOptions({ rpName: 'Roster', rpID, userName: 'ada' });
    await expect(
      verifyRegistrationResponse({
        response: device.create(options),
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
      }),
    ).rejects.toThrow(/verif/i);
  });
});
