import autocannon, { type Options, type Result } from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  /** What the errors were, when there were any: "HTTP 500 ×2, ECONNRESET ×1". */
  failures?: string;
}

/** The value at quantile `q` (0–1) of `values` (any order): the rank floor(q × n), the last at most. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
}

/** "HTTP 500 ×2, ECONNRESET ×1": a run's failures by reason, those that happened (empty when none did). */
export function failureText(counts: Iterable<readonly [reason: string, count: number]>): string {
  return [...counts]
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ×${n}`)
    .join(', ');
}

export function summarize(result: Result): LoadResult {
  // autocannon counts a timeout in `errors` too.
  const errors = result.errors + result.non2xx;
  const failures = failureText([
    ['not 2xx', result.non2xx],
    ['timeouts', result.timeouts],
    ['socket errors', result.errors - result.timeouts],
  ]);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    requests: result.requests.total,
    ...(failures ? { failures } : {}),
  };
}

/** The load generators: autocannon for every scenario, wrk too for the every-core rows where installed (wrk.ts). */
export type LoadTool = 'autocannon' | 'wrk';

/** autocannon's options for a run's length (its `warmup` is missing from @types/autocannon). */
type Bound = Pick<Options, 'duration' | 'amount' | 'timeout'> & { warmup?: { duration: number } };

/** Seconds of unmeasured load before each measured run. */
export const WARMUP_SECONDS = 1;

/**
 * Seconds per scenario (BENCH_SECONDS, default 8) and connections. The CI smoke sets `amount` instead: each
 * scenario then makes that many requests, however long they take (never a run that ends before any answer).
 */
export const benchConfig: { seconds: number; connections: number; amount?: number; timeout?: number } = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  connections: 32,
};

/**
 * How long a scenario runs: `duration` after one unmeasured second of the same load (the JIT, the connections and
 * the caches warm, as a served process's are), or `amount` requests in the smoke (with a longer `timeout`, seconds).
 */
export const bound = (): Bound => ({
  ...(benchConfig.amount
    ? { amount: benchConfig.amount }
    : { duration: benchConfig.seconds, warmup: { duration: WARMUP_SECONDS } }),
  ...(benchConfig.timeout ? { timeout: benchConfig.timeout } : {}),
});

/** One bounded autocannon run against loopback. */
export async function load(opts: Options): Promise<LoadResult> {
  const result = await autocannon({ connections: benchConfig.connections, ...bound(), ...opts });
  return summarize(result);
}
