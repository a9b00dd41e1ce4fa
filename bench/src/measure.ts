import type { LoadResult } from './load.js';
import { withPeakRss, type Proc } from './process.js';

export interface Row extends LoadResult {
  scenario: string;
  /** Peak RSS of the server's whole process tree during the scenario, MB. */
  peakRssMb?: number;
  /** Peak RSS of its largest process (the worst worker), MB. */
  peakWorkerRssMb?: number;
  /** Processes in the tree (1, or primary + workers). */
  processes?: number;
  note?: string;
  /** The load generator, when not autocannon: its "% of Koa" is against the ceiling measured with the same tool. */
  tool?: 'wrk';
}

export type Measure = (scenario: string, run: () => Promise<LoadResult>, note?: string) => Promise<Row>;

/** A `measure` that runs a scenario against `proc`, samples its tree's RSS, prints a line and appends to `rows`. */
export function recorder(proc: Proc, rows: Row[]): Measure {
  return async (scenario, run, note) => {
    const { result, peakRssMb, peakWorkerRssMb, processes } = await withPeakRss(proc, run);
    const row: Row = {
      scenario,
      ...result,
      peakRssMb,
      peakWorkerRssMb,
      processes,
      ...(note ? { note } : {}),
    };
    rows.push(row);
    process.stdout.write(
      `  ${scenario}: ${result.rps} req/s, p99 ${result.p99} ms, errors ${result.errors}${result.failures ? ` (${result.failures})` : ''}, requests ${result.requests}\n`,
    );
    return row;
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const json = { 'content-type': 'application/json' };

/** Combined calls per second of calls made one after another at these rates: 3 / (1/r1 + 1/r2 + 1/r3). */
export function harmonic(rates: number[]): number {
  if (rates.some((r) => r <= 0)) return 0;
  return Math.round(rates.length / rates.reduce((sum, r) => sum + 1 / r, 0));
}

/**
 * The same scenario offered half the rate it reached at full load, at a constant rate (steady.ts): its latency at a
 * utilization a server is run at, not the queue of a saturated one, where p99 is about connections ÷ rate whatever a
 * request costs. At least 20 requests a second (the smoke's small runs).
 */
export const atHalfRate = (scenario: string) => `${scenario}, at half its maximum rate`;
export const halfRateOf = (saturated: LoadResult) => Math.max(20, Math.round(saturated.rps / 2));

/** Scenario names: the report's targets look rows up by these. */
export const S = {
  restMe: 'REST GET /auth/me',
  restById: 'REST GET /users/{id}',
  restList: 'REST GET /users?limit=20',
  restByIdCold: 'REST GET /users/{id}, another account each request (never a cached answer)',
  restListCold: 'REST GET /users?limit=…&skip=…, another page each request (never a cached answer)',
  trpcMe: 'tRPC auth.me (SDK single)',
  trpcById: 'tRPC users.byId (SDK single)',
  trpcList: 'tRPC users.list (SDK single)',
  batch: 'tRPC batch of the three (SDK)',
  searchFirst: 'admin search q=user1, first page',
  searchDeep: 'admin search q=user1, deep page (cursor halfway)',
  adminDeep: 'admin list, deep page (cursor halfway)',
  login: 'login POST /auth/login',
  register: 'registration POST /auth/register',
  mix: 'mix 80% reads / 15% updates / 5% logins',
  readsWhileLogins: 'reads while logins saturate',
  loginsBesideReads: 'logins beside those reads',
} as const;
