import { errorTable } from './table.js';

/** Logging in, sessions, passwords and email verification. */
export const AUTH_ERRORS = errorTable({
  INVALID_CREDENTIALS: { status: 401, message: 'Incorrect email or password' },
  INVALID_REFRESH_TOKEN: { status: 401, message: 'Invalid or expired refresh token' },
  ACCOUNT_DEACTIVATED: { status: 403, message: 'Account is deactivated' },
  EMAIL_NOT_VERIFIED: {
    status: 403,
    message: 'Verify your email address before logging in: a link has been mailed to it',
  },
  WRONG_PASSWORD: { status: 403, message: 'Current password is incorrect' },
  INVALID_OR_EXPIRED_TOKEN: { status: 400, message: 'Invalid or expired token' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found' },
});
