export { rateLimit, type RateLimitOptions } from './middleware.js';
export { CredentialChecks } from './credentials.js';
export {
  accountIdKey,
  accountKey,
  DEFAULT_RATE_LIMITS,
  ipKey,
  KNOWN_IP_SECONDS,
  RATE_LIMIT_RULES,
  rateLimitTable,
  tokenKey,
  type Quota,
  type RateLimitRule,
  type RateLimitTable,
} from './rules.js';
export {
  RateLimitedError,
  RateLimits,
  serveClusterRateLimits,
  type Admission,
  type CallOutcome,
  type RateLimitStore,
  type RateLimitSubject,
} from './service.js';
