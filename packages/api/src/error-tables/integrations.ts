import { errorTable } from './table.js';

/** API keys and impersonation: what other systems and support staff act through. */
export const INTEGRATION_ERRORS = errorTable({
  FORBIDDEN_FOR_API_KEY: {
    status: 403,
    message: 'API keys cannot be used here: passwords, email, MFA, sessions and keys need a login',
  },
  INSUFFICIENT_SCOPE: { status: 403, message: 'The API key lacks the scope this needs' },
  FORBIDDEN_WHILE_IMPERSONATING: {
    status: 403,
    message: 'Not allowed while impersonating: passwords, email, MFA, keys and admin actions',
  },
  API_KEY_NOT_FOUND: { status: 404, message: 'API key not found' },
  API_KEY_LIMIT: { status: 409, message: 'Too many API keys: revoke one first' },
  CANNOT_IMPERSONATE_SELF: { status: 409, message: 'Admins cannot impersonate themselves' },
  CANNOT_IMPERSONATE_ADMIN: { status: 403, message: 'Admins cannot be impersonated' },
});
