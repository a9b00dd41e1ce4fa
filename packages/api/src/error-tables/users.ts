import { errorTable } from './table.js';

/** Accounts and profiles. */
export const USER_ERRORS = errorTable({
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  USER_ALREADY_EXISTS: { status: 409, message: 'Email already registered' },
  USERNAME_TAKEN: { status: 409, message: 'Username already taken' },
});
