// A constant request rate (open loop, as wrk2 offers it): each request is sent at its scheduled time, whether or not
// the ones before it were answered, and its latency counts from that time. autocannon's `overallRate` is not that:
// it lets each second's quota go at once and then waits for the next second, a burst that queues like full load.
import { Agent, request } from 'node:http';
import { benchConfig, failureText, quantile, WARMUP_SECONDS, type LoadResult } from './load.js';

export interface SteadyOptions {
  url: string;
  headers?: Record<string, string>;
  /** Requests a second. */
  rate: number;
  /** The path of request i (default: the URL's). */
  path?: (i: number) => string;
}

interface Outcome {
  ms: number;
  /** Why the request failed (its status, or the socket error's code); undefined for a 2xx. */
  failure: string | undefined;
}

function send(agent: Agent, url: URL, path: string, headers: Record<string, string>, timeoutMs: number) {
  return new Promise<string | undefined>((resolve) => {
    const req = request(url, { agent, path, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      res.on('end', () => resolve(status >= 200 && status < 300 ? undefined : `HTTP ${status}`));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/** Sends `count` requests at `rate` a second from `first` on; resolves with each one's outcome. */
function schedule(
  opts: SteadyOptions,
  agent: Agent,
  first: number,
  count: number,
  timeoutMs: number,
): Promise<Outcome[]> {
  const url = new URL(opts.url);
  const headers = opts.headers ?? {};
  const pathOf = opts.path ?? (() => `${url.pathname}${url.search}`);
  const outcomes: Promise<Outcome>[] = [];
  const started = performance.now();
  return new Promise((resolve) => {
    const tick = () => {
      // Every request due by now, each timed from when it was due (a late timer does not hide a slow server).
      const due = Math.min(count, Math.floor(((performance.now() - started) * opts.rate) / 1000) + 1);
      while (outcomes.length < due) {
        const i = outcomes.length;
        const at = started + (i * 1000) / opts.rate;
        outcomes.push(
          send(agent, url, pathOf(first + i), headers, timeoutMs).then((failure) => ({
            ms: performance.now() - at,
            failure,
          })),
        );
      }
      if (outcomes.length < count) setTimeout(tick, 1);
      else resolve(Promise.all(outcomes));
    };
    tick();
  });
}

/**
 * One steady run: a second of unmeasured warm-up at the same rate, then BENCH_SECONDS (or, in the smoke,
 * `benchConfig.amount` requests). Connections are opened as the rate needs them, up to 256.
 */
export async function steadyLoad(opts: SteadyOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const timeoutMs = (benchConfig.timeout ?? 10) * 1000;
  try {
    let next = 0;
    if (!benchConfig.amount) {
      const warm = Math.max(1, Math.round(opts.rate * WARMUP_SECONDS));
      await schedule(opts, agent, next, warm, timeoutMs);
      next += warm;
    }
    const count = benchConfig.amount ?? Math.max(1, Math.round(opts.rate * benchConfig.seconds));
    const t0 = performance.now();
    const outcomes = await schedule(opts, agent, next, count, timeoutMs);
    const seconds = (performance.now() - t0) / 1000;
    const times = outcomes.map((o) => o.ms);
    const counts = new Map<string, number>();
    for (const { failure } of outcomes) if (failure) counts.set(failure, (counts.get(failure) ?? 0) + 1);
    const failures = failureText(counts);
    return {
      rps: Math.round(outcomes.length / seconds),
      p50: Math.round(quantile(times, 0.5)),
      p99: Math.round(quantile(times, 0.99)),
      errors: outcomes.filter((o) => o.failure).length,
      requests: outcomes.length,
      ...(failures ? { failures } : {}),
    };
  } finally {
    agent.destroy();
  }
}
