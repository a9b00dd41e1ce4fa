import { createHash, timingSafeEqual } from 'node:crypto';
import { DefaultLogger, type LogContext, type Logger, type LoggerOptions } from '@mikro-orm/core';
import { AppError, type ApiEvent, type ApiEvents } from '@roster/api';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { clusterMetrics, type MetricsMessage } from './cluster-metrics.js';
import type { WorkerLink } from './worker-bus.js';

export interface RequestObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

interface QueryObservation {
  query: string;
  seconds: number;
  failed: boolean;
}

/** One app's metrics: a Registry of its own, so several servers in one process never share counters. */
export interface Metrics {
  registry: Registry;
  /** What /metrics serves: this registry's, or in a cluster worker every worker's (cluster-metrics.ts). */
  exposition(): Promise<string>;
  /** Pass to `createApiDeps` so registrations, logins, refreshes and refusals are counted. */
  events: ApiEvents;
  observeRequest(observation: RequestObservation): void;
  observeQuery(observation: QueryObservation): void;
}

const LOGIN_OUTCOMES = ['success', 'invalid_credentials', 'deactivated', 'unverified'] as const;
const REFRESH_OUTCOMES = ['success', 'grace', 'reuse', 'invalid'] as const;
const OPERATIONS = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'begin',
  'commit',
  'rollback',
  'savepoint',
]);

/** `select …` → select; statements outside the usual few (pragma, DDL, release savepoint…) → other. */
export function queryOperation(query: string): string {
  const word = /^\s*\(?\s*([a-z]+)/i.exec(query)?.[1]?.toLowerCase() ?? '';
  if (word === 'with') return 'select';
  return OPERATIONS.has(word) ? word : 'other';
}

/** A cluster worker's metrics: labelled with its id, and gathered with its siblings' through `link`. */
export interface WorkerMetrics {
  id: number;
  link: WorkerLink<MetricsMessage>;
}

export function createMetrics(worker?: WorkerMetrics): Metrics {
  const registry = new Registry();
  if (worker) registry.setDefaultLabels({ worker: String(worker.id) });
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const registrations = new Counter({
    name: 'roster_registrations_total',
    help: 'Registrations accepted: 201, or with REQUIRE_VERIFIED_EMAIL=true every 202, new address or known',
    registers: [registry],
  });
  const logins = new Counter({
    name: 'roster_logins_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'roster_token_refreshes_total',
    help: 'Refresh-token exchanges by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'roster_rate_limited_total',
    help: 'Requests refused by a rate limit, by procedure',
    labelNames: ['procedure'] as const,
    registers: [registry],
  });
  const queries = new Histogram({
    name: 'roster_db_query_duration_seconds',
    help: 'Database query duration by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // One series per method, route template and status (a bounded set): looked up once, then reused.
  const requestSeries = new Map<string, ReturnType<typeof requests.labels>>();
  const querySeries = new Map<string, ReturnType<typeof queries.labels>>();
  // Known outcomes start at zero, so dashboards see the series before the first event.
  for (const outcome of LOGIN_OUTCOMES) logins.labels(outcome).inc(0);
  for (const outcome of REFRESH_OUTCOMES) refreshes.labels(outcome).inc(0);

  const events: ApiEvents = {
    emit(event: ApiEvent) {
      switch (event.type) {
        case 'registration':
          registrations.inc();
          break;
        case 'login':
          logins.labels(event.outcome).inc();
          break;
        case 'refresh':
          refreshes.labels(event.outcome).inc();
          break;
        case 'rate_limited':
          rateLimited.labels(event.procedure).inc();
          break;
      }
    },
  };

  return {
    registry,
    exposition: worker ? clusterMetrics(worker.link, registry) : () => registry.metrics(),
    events,
    observeRequest({ method, route, status, seconds }) {
      const key = `${method} ${status} ${route}`;
      let series = requestSeries.get(key);
      if (!series) requestSeries.set(key, (series = requests.labels(method, route, String(status))));
      series.observe(seconds);
    },
    observeQuery({ query, seconds, failed }) {
      const operation = queryOperation(query);
      const outcome = failed ? 'error' : 'ok';
      const key = `${operation}:${outcome}`;
      let series = querySeries.get(key);
      if (!series) querySeries.set(key, (series = queries.labels(operation, outcome)));
      series.observe(seconds);
    },
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** GET /metrics in the Prometheus text format; with a token configured, only for `Authorization: Bearer <token>`. */
export function metricsEndpoint(metrics: Metrics, token: string | null): Middleware {
  const expected = token === null ? null : digest(token);
  return async function serveMetrics(ctx) {
    if (expected) {
      const given = /^Bearer +(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1] ?? '';
      if (!timingSafeEqual(digest(given), expected)) {
        throw new AppError('NOT_AUTHENTICATED', 'A valid metrics token is required');
      }
    }
    let body: string;
    try {
      body = await metrics.exposition();
    } catch {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Not every worker reported its metrics in time: scrape again',
      );
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = body;
  };
}

/**
 * MikroORM reports every statement it runs, with its duration, to its logger (whether or not SQL logging is on):
 * this one also times them. Pass it as the ORM's `loggerFactory`; it works the same on SQLite and PostgreSQL.
 */
export function queryTimingLogger(
  metrics: Pick<Metrics, 'observeQuery'>,
): (options: LoggerOptions) => Logger {
  class QueryTimingLogger extends DefaultLogger {
    override logQuery(context: { query: string } & LogContext): void {
      if (context.took !== undefined) {
        metrics.observeQuery({
          query: context.query,
          seconds: context.took / 1000,
          failed: context.level === 'error',
        });
      }
      super.logQuery(context);
    }
  }
  return (options) => new QueryTimingLogger(options);
}
