export { appRouter, createCaller, type AppRouter, type RouterInputs, type RouterOutputs } from './root.js';
export {
  createApiDeps,
  createContextInner,
  parseIfMatch,
  type ApiDeps,
  type ApiDepsOptions,
  type Context,
  type ContextInnerOptions,
} from './context.js';
export { createServices, runUnitOfWork, type Services } from './unit-of-work.js';
export {
  AppError,
  ERROR_CODES,
  isDatabaseUnavailable,
  isUnexpected,
  toErrorResponse,
  type ErrorBody,
  type ErrorCode,
  type ErrorResponse,
  type ValidationIssue,
} from './errors.js';
export {
  createOpenApiDocument,
  restRoutes,
  successStatusOf,
  type OpenApiDocumentOptions,
  type RestRoute,
} from './openapi.js';
export type { ApiSettings } from './settings.js';
export type { Caller, ErrorData, Meta } from './trpc.js';
export { API_KEY_PREFIX, API_KEY_SCOPES, type ApiKeyScope } from './scopes.js';
export type { Impersonator } from './access.js';
export type { ApiKeyOut } from './schemas/api-keys.js';
export type { ImpersonationOut } from './schemas/impersonation.js';
export type { PublicUserOut, UserOut } from './schemas/user.js';
export { registerInput } from './schemas/user.js';
export { noEvents, type ApiEvent, type ApiEvents } from './events.js';
export { BackgroundTasks, nullMailer, type Mailer, type MailMessage } from './mail.js';
export { RESET_PATH, VERIFY_PATH } from './services/account.js';
export { defaultHashConcurrency } from './services/passwords.js';
export {
  DEFAULT_RATE_LIMITS,
  RATE_LIMIT_RULES,
  rateLimit,
  rateLimitTable,
  RateLimitedError,
  RateLimits,
  serveClusterRateLimits,
  type Quota,
  type RateLimitOptions,
  type RateLimitRule,
  type RateLimitStore,
  type RateLimitTable,
} from './ratelimit/index.js';
export {
  AuthCache,
  localInvalidation,
  type AuthCacheOptions,
  type Invalidation,
  type InvalidationMessage,
  type SessionSnapshot,
  type UserSnapshot,
} from './auth-cache.js';
export { watchUserChanges } from './auth-invalidation.js';
export { createHotReads, type HotAnswer, type HotReads } from './hot-reads.js';
export { inputKey, restInputKey } from './read-cache.js';
export {
  DELIVERY_ID,
  TEST_EVENT_TYPE,
  WEBHOOK_EVENT_TYPES,
  type AttemptOut,
  type DeliveryOut,
  type WebhookEventType,
  type WebhookOut,
} from './schemas/webhooks.js';
export { AUDITED_EVENT_ACTIONS, newDeliveryId } from './services/webhook-events.js';
export { WebhookOutbox, webhookOutbox } from './services/webhook-outbox.js';
export { excerpt, type AttemptResult } from './services/webhook-attempts.js';
export { WebhookQueue, type ClaimedDelivery, type WebhookQueueOptions } from './services/webhook-queue.js';
export {
  assertWebhookUrl,
  ForbiddenAddressError,
  hostOf,
  isForbiddenAddress,
  safeLookup,
} from './services/webhook-urls.js';
