import { errorTable } from './table.js';

/** What admins do to accounts, and reading the lists and the audit log. */
export const ADMIN_ERRORS = errorTable({
  LAST_ADMIN: { status: 409, message: 'At least one active admin must remain' },
  VERSION_CONFLICT: { status: 409, message: 'The record was changed meanwhile; reload it and try again' },
  CANNOT_DELETE_SELF: { status: 409, message: 'Admins cannot delete their own account here' },
  ADMIN_ACCOUNT_UNVERIFIED: {
    status: 409,
    message:
      'An account with this email exists but its address is not verified, so whoever registered it may not ' +
      'be you: verify the address first, or promote it explicitly (roster create-admin --promote), which ends ' +
      'its sessions and sets the password you give',
  },
  INVALID_CURSOR: { status: 422, message: 'Invalid or expired cursor' },
});
