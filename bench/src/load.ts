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

/**
 * Seconds per scenario (BENCH_SECONDS, default 8) and connections. The CI smoke sets `amount` instead: each
 * scenario then makes that many requests, however long they take (never a run that ends before any answer).
 */
export const benchConfig: { seconds: number; connections: number; amount?: number; timeout?: number } = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  connections: 32,
};

/** How long a scenario runs: `duration`, or `amount` requests in the smoke (with a longer `timeout`, seconds). */
export const bound = (): Pick<Options, 'duration' | 'amount' | 'timeout'> => ({
  ...(benchConfig.amount ? { amount: benchConfig.amount } : { duration: benchConfig.seconds }),
  ...(benchConfig.timeout ? { timeout: benchConfig.timeout } : {}),
});

/** One bounded autocannon run against loopback. */
export async function load(opts: Options): Promise<LoadResult> {
  const result = await autocannon({ connections: benchConfig.connections, ...bound(), ...opts });
  return summarize(result);
}
