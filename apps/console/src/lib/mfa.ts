/** Second factors as the console shows and reads them: codes people type, recovery codes to keep, the QR image. */

export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn';

/** Messages for the second factor's failures, where Roster's own detail would not say what to do next. */
export const MFA_MESSAGES: Partial<Record<string, string>> = {
  INVALID_MFA_CODE:
    'That code is not right. Check your authenticator app (or the recovery code) and try again.',
  WRONG_MFA_CODE: 'That code is not right. Enter the current code from your authenticator app.',
  INVALID_MFA_TOKEN: 'The sign-in took too long or was already used. Enter your password again.',
  WRONG_PASSWORD: 'Your password is not right.',
  TOTP_ALREADY_ENABLED: 'An authenticator app is already on for this account.',
  TOTP_SETUP_NOT_STARTED: 'Start again: enter your password to get a new QR code.',
  MFA_METHOD_UNAVAILABLE: 'This account cannot use that kind of code.',
  PASSKEY_AUTHENTICATION_FAILED: 'That passkey did not sign you in. Try another one, or use your password.',
  PASSKEY_REGISTRATION_FAILED: 'The passkey could not be added. Try again.',
  PASSKEY_ALREADY_REGISTERED: 'This passkey is already on your account.',
};

/** A code as typed: spaces and dashes out (authenticator apps show "123 456"). */
export function cleanCode(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/**
 * What a person typed in the one "code" box: six digits are an authenticator code, anything else a recovery code
 * (`xxxxx-xxxxx`; case, spaces and dashes do not matter to Roster). Null when nothing was typed.
 */
export function proofOf(input: string): { code: string } | { recoveryCode: string } | null {
  const cleaned = cleanCode(input);
  if (cleaned === '') return null;
  return /^\d{6}$/.test(cleaned) ? { code: cleaned } : { recoveryCode: input.trim() };
}

/** Client-side check of a 6-digit authenticator code; an error message or null. */
export function totpCodeError(input: string): string | null {
  const cleaned = cleanCode(input);
  if (cleaned === '') return 'Enter the 6-digit code from your authenticator app.';
  return /^\d{6}$/.test(cleaned) ? null : 'The code is 6 digits.';
}

/** A base32 secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ');
}

/** An SVG document as a data: URI for an <img> (the console's CSP allows img-src data:, never inline markup). */
export function svgDataUri(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** The recovery codes as a text file to keep: what they are, for which account, when, one code a line. */
export function recoveryCodesText(codes: readonly string[], account: string, at: Date): string {
  return [
    `Roster recovery codes for ${account}`,
    `Made ${at.toISOString().slice(0, 10)}. Each code works once; a new set replaces these.`,
    '',
    ...codes,
    '',
  ].join('\n');
}

/** The file name the recovery codes download as. */
export function recoveryCodesFileName(account: string): string {
  return `roster-recovery-codes-${account.replace(/[^A-Za-z0-9_-]+/g, '_')}.txt`;
}

/** How the sign-in's second step words the methods an account has. */
export function describeMethods(methods: readonly MfaMethod[]): string {
  const parts: string[] = [];
  if (methods.includes('totp')) parts.push('a code from your authenticator app');
  if (methods.includes('recovery_code')) parts.push('a recovery code');
  if (methods.includes('webauthn')) parts.push('a passkey');
  if (parts.length === 0) return 'a second factor';
  if (parts.length === 1) return parts[0] as string;
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1] as string}`;
}

/** The status line of the account's two-step verification. */
export function describeMfaStatus(status: {
  totp: boolean;
  passkeys: number;
  recovery_codes_left: number;
}): string {
  const passkeys = status.passkeys === 1 ? '1 passkey' : `${status.passkeys} passkeys`;
  if (!status.totp) {
    return status.passkeys > 0
      ? `On, with ${passkeys}. You can add an authenticator app too.`
      : 'Off. Add an authenticator app or a passkey to protect your account.';
  }
  const left =
    status.recovery_codes_left === 1 ? '1 recovery code' : `${status.recovery_codes_left} recovery codes`;
  return `On, with an authenticator app${status.passkeys > 0 ? ` and ${passkeys}` : ''}. ${left} left.`;
}

/**
 * The words for a browser's refusal of a passkey ceremony (a DOMException or @simplewebauthn/browser's
 * WebAuthnError, which keeps the DOMException's name): null when it is not one, so the caller shows it as it is.
 */
export function passkeyBrowserMessage(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('name' in error)) return null;
  switch ((error as { name: unknown }).name) {
    case 'NotAllowedError':
    case 'AbortError':
      return 'The passkey request was cancelled or timed out. Try again when you are ready.';
    case 'InvalidStateError':
      return 'This device already holds a passkey for your account.';
    case 'NotSupportedError':
    case 'SecurityError':
      return 'This browser cannot use passkeys here.';
    default:
      return null;
  }
}
