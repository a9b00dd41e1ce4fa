import { ADMIN_ERRORS } from './admin.js';
import { AUTH_ERRORS } from './auth.js';
import { COMMON_ERRORS } from './common.js';
import { INTEGRATION_ERRORS } from './integrations.js';
import { MFA_ERRORS } from './mfa.js';
import { USER_ERRORS } from './users.js';
import { WEBHOOK_ERRORS } from './webhooks.js';

export { TRPC_CODE_OF_STATUS, type ErrorEntry, type ErrorStatus } from './table.js';
export {
  ADMIN_ERRORS,
  AUTH_ERRORS,
  COMMON_ERRORS,
  INTEGRATION_ERRORS,
  MFA_ERRORS,
  USER_ERRORS,
  WEBHOOK_ERRORS,
};

/** Every machine-readable error code Roster answers with: the domains' tables together. */
export const ERROR_CODES = {
  ...COMMON_ERRORS,
  ...AUTH_ERRORS,
  ...USER_ERRORS,
  ...ADMIN_ERRORS,
  ...INTEGRATION_ERRORS,
  ...WEBHOOK_ERRORS,
  ...MFA_ERRORS,
};
