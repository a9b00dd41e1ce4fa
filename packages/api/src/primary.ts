/**
 * What a cluster primary and the server's configuration need from the API without loading it (routers, services,
 * the ORM): `@roster/api/primary`. A primary that imported the whole package held ~130 MB for nothing.
 */
export { serveClusterRateLimits } from './ratelimit/service.js';
export { rateLimitTable, type RateLimitTable } from './ratelimit/rules.js';
export { defaultHashConcurrency } from './services/hash-concurrency.js';
