import { SECONDS, type LoadResult } from './load.js';
import type { Row } from './scenarios.js';

export interface BenchInput {
  machine: string;
  users: number;
  ceiling: LoadResult & { peakRssMb: number };
  argon2Rate: number;
  results: Record<string, Row[]>;
}

interface Target {
  scenario: string;
  text: string;
  met(row: Row, input: BenchInput, rows: Row[]): boolean;
}

const find = (rows: Row[], prefix: string) => rows.find((r) => r.scenario.startsWith(prefix));

const TARGETS: Target[] = [
  {
    scenario: 'auth read REST',
    text: '≥ 40% of bare Koa, p99 ≤ 10 ms',
    met: (r, i) => r.rps >= 0.4 * i.ceiling.rps && r.p99 <= 10,
  },
  {
    scenario: 'auth read tRPC',
    text: '≥ 40% of bare Koa, p99 ≤ 10 ms',
    met: (r, i) => r.rps >= 0.4 * i.ceiling.rps && r.p99 <= 10,
  },
  { scenario: 'list GET /users', text: 'p99 ≤ 20 ms', met: (r) => r.p99 <= 20 },
  { scenario: 'admin search q=user1, first', text: 'p99 ≤ 20 ms', met: (r) => r.p99 <= 20 },
  {
    scenario: 'admin search q=user1, deep',
    text: 'p99 ≤ 20 ms, ≈ first page',
    met: (r, _i, rows) => r.p99 <= 20 && r.rps >= 0.8 * (find(rows, 'admin search q=user1, first')?.rps ?? 0),
  },
  { scenario: 'admin list, deep', text: 'p99 ≤ 20 ms', met: (r) => r.p99 <= 20 },
  { scenario: 'login', text: '≥ 90% of raw argon2', met: (r, i) => r.rps >= 0.9 * i.argon2Rate },
  { scenario: 'reads while logins', text: 'p99 ≤ 25 ms', met: (r) => r.p99 <= 25 },
];

function ratio(row: Row, input: BenchInput): string {
  if (row.scenario.startsWith('login'))
    return `${((row.rps / input.argon2Rate) * 100).toFixed(0)}% of argon2`;
  return `${((row.rps / input.ceiling.rps) * 100).toFixed(0)}% of Koa`;
}

export function report(input: BenchInput) {
  const lines = [
    '# Roster benchmark',
    '',
    `Machine: ${input.machine}. ${input.users.toLocaleString('en')} seeded users. Loopback, autocannon, ${SECONDS} s per scenario,`,
    '32 connections unless noted. Reproduce with `pnpm bench` (BENCH_USERS to change the size).',
    '',
    `Ceiling (bare Koa, small JSON): **${input.ceiling.rps} req/s**, p99 ${input.ceiling.p99} ms, RSS ${input.ceiling.peakRssMb} MB.`,
    `Raw argon2id verify (m=19456, t=2, p=1, 4 threads): **${input.argon2Rate}/s**.`,
    '',
  ];
  const json: Record<string, unknown> = { ...input, targets: {} as Record<string, unknown> };
  for (const [kind, rows] of Object.entries(input.results)) {
    lines.push(
      `## ${kind}`,
      '',
      '| scenario | req/s | ratio | p50 ms | p99 ms | errors | peak RSS MB | target | met |',
      '|---|---:|---:|---:|---:|---:|---:|---|---|',
    );
    for (const row of rows) {
      const target = TARGETS.find((t) => row.scenario.startsWith(t.scenario));
      const met = target ? (row.requests > 0 && target.met(row, input, rows) ? 'yes' : '**no**') : '';
      lines.push(
        `| ${row.scenario}${row.note ? ` (${row.note})` : ''} | ${row.rps} | ${ratio(row, input)} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.peakRssMb ?? ''} | ${target?.text ?? ''} | ${met} |`,
      );
      (json.targets as Record<string, unknown>)[`${kind}: ${row.scenario}`] = target
        ? { target: target.text, met: met === 'yes' }
        : null;
    }
    const peak = Math.max(...rows.map((r) => r.peakRssMb ?? 0));
    lines.push(
      '',
      `Peak server RSS: ${peak} MB (target ≤ 200 MB: ${peak <= 200 ? 'met' : '**not met**'}).`,
      '',
    );
  }
  return { json, markdown: lines.join('\n') };
}
