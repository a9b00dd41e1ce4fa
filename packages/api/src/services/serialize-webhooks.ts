import type { WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint } from '@roster/db';
import type { AttemptOut, DeliveryOut, WebhookOut } from '../schemas/webhooks.js';

/** An endpoint as admins see it: never its secret. */
export function toWebhookOut(endpoint: WebhookEndpoint): WebhookOut {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    disabled_at: endpoint.disabledAt?.toISOString() ?? null,
    previous_secret_expires_at: endpoint.previousSecretExpiresAt?.toISOString() ?? null,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}

export function toDeliveryOut(delivery: WebhookDelivery): DeliveryOut {
  return {
    id: delivery.id,
    webhook_id: delivery.endpointId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    last_attempt_at: delivery.lastAttemptAt?.toISOString() ?? null,
    last_status_code: delivery.lastStatusCode,
    last_duration_ms: delivery.lastDurationMs,
    last_error: delivery.lastError,
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
    created_at: delivery.createdAt.toISOString(),
    payload: JSON.parse(delivery.payload) as Record<string, unknown>,
  };
}

export function toAttemptOut(attempt: WebhookDeliveryAttempt): AttemptOut {
  const status = attempt.statusCode;
  return {
    number: attempt.number,
    started_at: attempt.startedAt.toISOString(),
    duration_ms: attempt.durationMs,
    status_code: status,
    succeeded: status !== null && status >= 200 && status < 300,
    error_kind: attempt.errorKind,
    response_body: attempt.responseBody,
  };
}
