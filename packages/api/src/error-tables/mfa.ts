import { errorTable } from './table.js';

/** Second factors: authenticator apps (TOTP), recovery codes, passkeys, and the second step of a login. */
export const MFA_ERRORS = errorTable({
  MFA_REQUIRED: {
    status: 401,
    message: 'A second factor is required: send mfa_token with a code to /auth/login/mfa',
  },
  INVALID_MFA_TOKEN: { status: 401, message: 'Invalid or expired MFA token: log in again' },
  INVALID_MFA_CODE: { status: 401, message: 'Invalid authentication code' },
  WRONG_MFA_CODE: { status: 403, message: 'The authentication code is incorrect' },
  MFA_ENROLLMENT_REQUIRED: {
    status: 403,
    message: 'Admins need a second factor: enable an authenticator app or register a passkey first',
  },
  MFA_METHOD_UNAVAILABLE: { status: 409, message: 'That second factor is not enabled for this account' },
  TOTP_ALREADY_ENABLED: { status: 409, message: 'An authenticator app is already enabled: disable it first' },
  TOTP_NOT_ENABLED: { status: 409, message: 'No authenticator app is enabled' },
  TOTP_SETUP_NOT_STARTED: {
    status: 409,
    message: 'No authenticator app is waiting for confirmation: start with /auth/mfa/totp/setup',
  },
  PASSKEY_NOT_FOUND: { status: 404, message: 'Passkey not found' },
  PASSKEY_ALREADY_REGISTERED: { status: 409, message: 'This passkey is already registered' },
  PASSKEY_REGISTRATION_FAILED: {
    status: 400,
    message: 'The passkey could not be verified (or its challenge expired): start again',
  },
  PASSKEY_AUTHENTICATION_FAILED: { status: 401, message: 'Passkey sign-in failed' },
});
