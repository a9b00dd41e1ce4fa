import { errorTable } from './table.js';

/** Errors any procedure or route can answer with: input, authentication, transport, limits, the server. */
export const COMMON_ERRORS = errorTable({
  VALIDATION_ERROR: { status: 422, message: 'Validation failed' },
  MALFORMED_REQUEST: { status: 400, message: 'Malformed request body' },
  NOT_AUTHENTICATED: { status: 401, message: 'Not authenticated' },
  INVALID_TOKEN: { status: 401, message: 'Could not validate credentials' },
  FORBIDDEN: { status: 403, message: 'Forbidden' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  NOT_IMPLEMENTED: { status: 501, message: 'Method not implemented' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: try again later' },
  INTERNAL_SERVER_ERROR: { status: 500, message: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable: try again shortly' },
  /** The database cannot be reached (down, connections cut, pool exhausted): retry shortly. */
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database is unavailable; retry shortly' },
  /** The change was made, but the other instances could not be told within the bound: they may still believe it. */
  INVALIDATION_UNCONFIRMED: {
    status: 503,
    message:
      'The change was saved, but not every instance could be told yet: for a few seconds another one may ' +
      'still accept what it revoked',
  },
});
