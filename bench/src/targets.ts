// The issue's targets, each computed from one run's rows against the ceilings measured in that run.
import { CORE_READS, coreRow, type CoresResult } from './cores.js';
import type { LoadResult } from './load.js';
import { atHalfRate, harmonic, S, type Row } from './measure.js';
import { PEER } from './peer.js';
import type { Revocation } from './reads.js';

export interface Leg {
  rows: Row[];
  revocation: Revocation;
  cores: CoresResult;
  /** Share of users whose email contains "user1" (the admin search term), and the count. */
  search: { matches: number; total: number };
}

export interface BenchInput {
  date: string;
  command: string;
  machine: string;
  users: number;
  seconds: number;
  ceiling: LoadResult & { peakRssMb: number };
  /** Bare Koa under wrk, when the every-core rows were measured with it too. */
  ceilingWrk?: LoadResult;
  argon2Rate: number;
  peer: Row[];
  peerUsers: number;
  legs: Record<string, Leg>;
}

export interface Check {
  name: string;
  target: string;
  /** The measured value, as shown. */
  value: string;
  /** null: informational (no target). */
  met: boolean | null;
}

const pct = (a: number, b: number) => (b > 0 ? `${Math.round((a / b) * 100)}%` : 'n/a');
const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

export function checksOf(input: BenchInput, leg: Leg): Check[] {
  const row = (name: string): Row => {
    const found =
      leg.rows.find((r) => r.scenario === name) ?? leg.cores.rows.find((r) => r.scenario === name);
    return found ?? { scenario: name, rps: 0, p50: 0, p99: 0, errors: 0, requests: 0 };
  };
  const peer = (name: string) => input.peer.find((r) => r.scenario === name);
  const ok = (r: Row) => r.requests > 0 && r.errors === 0;
  const me = row(S.restMe);
  const twin = (trpc: string, rest: string, label: string): Check => ({
    name: `tRPC ${label} ÷ REST twin`,
    target: '≥ 80%',
    value: pct(row(trpc).rps, row(rest).rps),
    met: ok(row(trpc)) && row(trpc).rps >= 0.8 * row(rest).rps,
  });
  const singles = harmonic([row(S.trpcMe).rps, row(S.trpcById).rps, row(S.trpcList).rps]);
  const batchCalls = 3 * row(S.batch).rps;
  const whileLogins = row(S.readsWhileLogins);
  const login = row(S.login);
  const checks: Check[] = [
    {
      name: '`GET /auth/me` ÷ bare Koa (p99), 32 connections',
      target: '≥ 50%, p99 ≤ 10 ms',
      value: `${pct(me.rps, input.ceiling.rps)} (p99 ${me.p99} ms)`,
      met: ok(me) && me.rps >= 0.5 * input.ceiling.rps && me.p99 <= 10,
    },
    twin(S.trpcMe, S.restMe, '`auth.me`'),
    twin(S.trpcById, S.restById, '`users.byId`'),
    twin(S.trpcList, S.restList, '`users.list`'),
    {
      name: 'SDK batch of 3 reads ÷ 3 single calls (calls/s, harmonic)',
      target: '≥ 2×',
      value: `${times(batchCalls, singles)} (${batchCalls} vs ${singles} calls/s)`,
      met: ok(row(S.batch)) && singles > 0 && batchCalls >= 2 * singles,
    },
    {
      name: 'Revoked session refused on the very next request',
      target: '401',
      value: leg.revocation.ok
        ? '✓'
        : `✗ (logout ${leg.revocation.logout}, REST ${leg.revocation.rest}, tRPC ${leg.revocation.trpc})`,
      met: leg.revocation.ok,
    },
    ...CORE_READS.map((what): Check => {
      const { judged, scaling } = leg.cores;
      const value = scaling[judged]?.[what] ?? 0;
      const beside = judged === 'wrk' ? scaling.autocannon?.[what] : undefined;
      return {
        name: `\`${what}\`, 2 workers ÷ 1 (${judged})`,
        target: '≥ 1.7×',
        value: `${value.toFixed(2)}×${beside === undefined ? '' : `; autocannon ${beside.toFixed(2)}×`}`,
        met: ok(row(coreRow(2, what, judged))) && value >= 1.7,
      };
    }),
    {
      name: 'Login ÷ raw argon2 (16 connections vs 4 hashing threads)',
      target: '≥ 90%',
      value: `${pct(login.rps, input.argon2Rate)} (${login.rps}/s vs ${input.argon2Rate}/s)`,
      met: ok(login) && login.rps >= 0.9 * input.argon2Rate,
    },
    {
      name: 'Reads p99 while logins saturate',
      target: '≤ 25 ms',
      value: `${whileLogins.p99} ms`,
      met: ok(whileLogins) && whileLogins.p99 <= 25,
    },
    {
      name: 'Peak RSS per worker while logins saturate',
      target: '≤ 200 MB',
      value: `${whileLogins.peakWorkerRssMb ?? 0} MB`,
      met: ok(whileLogins) && (whileLogins.peakWorkerRssMb ?? Infinity) <= 200,
    },
    // Uncached pages at full load and at half the rate they reached there (measure.ts `atHalfRate`).
    ...[S.restList, S.restListCold, atHalfRate(S.restListCold), S.adminDeep, atHalfRate(S.adminDeep)].map(
      (name) => ({
        name: `List page p99: ${name}`,
        target: '≤ 20 ms',
        value: `${row(name).p99} ms`,
        met: ok(row(name)) && row(name).p99 <= 20,
      }),
    ),
    ...[S.searchFirst, atHalfRate(S.searchFirst), S.searchDeep, atHalfRate(S.searchDeep)].map((name) => ({
      name: `Search p99 (${pct(leg.search.matches, leg.search.total)} match): ${name}`,
      target: '≤ 50 ms',
      value: `${row(name).p99} ms`,
      met: ok(row(name)) && row(name).p99 <= 50,
    })),
  ];
  const getSession = peer(PEER.getSession);
  const cached = peer(PEER.getSessionCached);
  const signIn = peer(PEER.signIn);
  // Side by side, no target: our rate ÷ the peer's.
  const beside = (name: string, ours: number, theirs: Row | undefined, unit: string) => {
    if (!theirs) return;
    const value = `${times(ours, theirs.rps)} (${ours} vs ${theirs.rps}${unit})`;
    checks.push({ name, target: '—', value, met: null });
  };
  beside('`GET /auth/me` ÷ Better Auth get-session (bearer)', me.rps, getSession, ' req/s');
  beside('`GET /auth/me` ÷ Better Auth get-session (cookie cache)', me.rps, cached, ' req/s');
  beside('Login (argon2id) ÷ Better Auth sign-in (scrypt)', login.rps, signIn, '/s');
  return checks;
}
