import autocannon, { type Options, type Result } from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

export function summarize(result: Result): LoadResult {
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}

/** Seconds per scenario (BENCH_SECONDS, default 8) and connections; the CI smoke lowers `seconds`. */
export const benchConfig = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  connections: 32,
};

/** One bounded autocannon run against loopback. */
export async function load(opts: Options): Promise<LoadResult> {
  const result = await autocannon({
    connections: benchConfig.connections,
    duration: benchConfig.seconds,
    ...opts,
  });
  return summarize(result);
}
