import { describe, expect, it } from 'vitest';
import {
  cleanCode,
  describeMethods,
  describeMfaStatus,
  groupSecret,
  passkeyBrowserMessage,
  proofOf,
  recoveryCodesFileName,
  recoveryCodesText,
  svgDataUri,
  totpCodeError,
} from './mfa';

describe('codes as typed', () => {
  it('drops spaces and dashes', () => {
    expect(cleanCode(' 123 456 ')).toBe('123456');
    expect(cleanCode('abcde-fghij')).toBe('abcdefghij');
  });

  it('reads six digits as an authenticator code, anything else as a recovery code', () => {
    expect(proofOf('123 456')).toEqual({ code: '123456' });
    expect(proofOf(' abcde-12345 ')).toEqual({ recoveryCode: 'abcde-12345' });
    expect(proofOf('12345')).toEqual({ recoveryCode: '12345' });
    expect(proofOf('  - ')).toBeNull();
  });

  it('checks an authenticator code before it is sent', () => {
    expect(totpCodeError('')).toMatch(/Enter the 6-digit code/);
    expect(totpCodeError('12a456')).toBe('The code is 6 digits.');
    expect(totpCodeError('1234567')).toBe('The code is 6 digits.');
    expect(totpCodeError('123 456')).toBeNull();
  });
});

describe('enrolment', () => {
  it('groups a secret in fours for typing by hand', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEH')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EH');
    expect(groupSecret('')).toBe('');
  });

  it('makes a base64 data: URI of an SVG, non-ASCII included', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>café</title></svg>';
    const uri = svgDataUri(svg);
    expect(uri.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const binary = atob(uri.slice('data:image/svg+xml;base64,'.length));
    const decoded = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    expect(decoded).toBe(svg);
  });

  it('writes the recovery codes file: account, day, one code a line', () => {
    const text = recoveryCodesText(['aaaaa-bbbbb', 'ccccc-ddddd'], 'ada', new Date('2026-03-04T10:00:00Z'));
    expect(text.split('\n')).toEqual([
      'Roster recovery codes for ada',
      'Made 2026-03-04. Each code works once; a new set replaces these.',
      '',
      'aaaaa-bbbbb',
      'ccccc-ddddd',
      '',
    ]);
    expect(recoveryCodesFileName('ada.l/x')).toBe('roster-recovery-codes-ada_l_x.txt');
  });
});

describe('words', () => {
  it('lists the methods of the second step', () => {
    expect(describeMethods(['totp'])).toBe('a code from your authenticator app');
    expect(describeMethods(['totp', 'recovery_code'])).toBe(
      'a code from your authenticator app or a recovery code',
    );
    expect(describeMethods(['totp', 'recovery_code', 'webauthn'])).toBe(
      'a code from your authenticator app, a recovery code or a passkey',
    );
    expect(describeMethods([])).toBe('a second factor');
  });

  it('says what protects the account', () => {
    expect(describeMfaStatus({ totp: false, passkeys: 0, recovery_codes_left: 0 })).toMatch(/^Off\./);
    expect(describeMfaStatus({ totp: false, passkeys: 1, recovery_codes_left: 0 })).toBe(
      'On, with 1 passkey. You can add an authenticator app too.',
    );
    expect(describeMfaStatus({ totp: true, passkeys: 0, recovery_codes_left: 10 })).toBe(
      'On, with an authenticator app. 10 recovery codes left.',
    );
    expect(describeMfaStatus({ totp: true, passkeys: 2, recovery_codes_left: 1 })).toBe(
      'On, with an authenticator app and 2 passkeys. 1 recovery code left.',
    );
  });

  it("words a browser's refusal of a passkey ceremony, and nothing else", () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(passkeyBrowserMessage(named('NotAllowedError'))).toMatch(/cancelled or timed out/);
    expect(passkeyBrowserMessage(named('AbortError'))).toMatch(/cancelled or timed out/);
    expect(passkeyBrowserMessage(named('InvalidStateError'))).toMatch(/already holds a passkey/);
    expect(passkeyBrowserMessage(named('SecurityError'))).toMatch(/cannot use passkeys/);
    expect(passkeyBrowserMessage(named('NotSupportedError'))).toMatch(/cannot use passkeys/);
    expect(passkeyBrowserMessage(named('TypeError'))).toBeNull();
    expect(passkeyBrowserMessage('NotAllowedError')).toBeNull();
    expect(passkeyBrowserMessage(null)).toBeNull();
  });
});
