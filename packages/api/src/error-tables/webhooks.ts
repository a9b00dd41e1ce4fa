import { errorTable } from './table.js';

/** Webhook endpoints and their deliveries (admins only). */
export const WEBHOOK_ERRORS = errorTable({
  WEBHOOK_NOT_FOUND: { status: 404, message: 'Webhook endpoint not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, message: 'Webhook delivery not found' },
  WEBHOOK_URL_NOT_ALLOWED: {
    status: 422,
    message:
      'The webhook URL must be http(s) and resolve to public addresses only (not loopback, private, ' +
      'link-local or metadata ones)',
  },
  WEBHOOK_DISABLED: { status: 409, message: 'The webhook endpoint is disabled: enable it first' },
  WEBHOOK_DELIVERY_IN_FLIGHT: {
    status: 409,
    message: 'The delivery is being attempted right now; try again once the attempt is over',
  },
});
