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

/** Seconds per scenario (BENCH_SECONDS, default 8). */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

/** One bounded autocannon run against loopback. */
export async function load(opts: Options): Promise<LoadResult> {
  const result = await autocannon({ connections: 32, duration: SECONDS, ...opts });
  return summarize(result);
}
