// The run's tables: printed, written to bench/results.json, to bench/REPORT.md above the analysis marker, and one
// table into README's "Performance" section between its markers.
import type { Row } from './measure.js';
import { checksOf, type BenchInput, type Check } from './targets.js';

const mark = (met: boolean | null) => (met === null ? '' : met ? 'yes' : '**no**');

function rowsTable(rows: Row[], input: BenchInput): string[] {
  const lines = [
    '| scenario | req/s | % of Koa | p50 ms | p99 ms | errors | requests | peak RSS MB (tree / worst process) |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const ceiling = (r.tool === 'wrk' ? input.ceilingWrk : input.ceiling) ?? input.ceiling;
    const rss =
      r.peakRssMb === undefined ? '' : `${r.peakRssMb} / ${r.peakWorkerRssMb} (${r.processes} proc)`;
    lines.push(
      `| ${r.scenario}${r.note ? ` — ${r.note}` : ''} | ${r.rps} | ${Math.round((r.rps / ceiling.rps) * 100)}% | ${r.p50} | ${r.p99} | ${r.errors} | ${r.requests} | ${rss} |`,
    );
  }
  return lines;
}

function checksTable(legs: string[], checks: Record<string, Check[]>): string[] {
  const lines = [
    `| ratio | target | ${legs.map((l) => `${l} | met`).join(' | ')} |`,
    `|---|---|${legs.map(() => '---|---').join('|')}|`,
  ];
  const first = checks[legs[0]!] ?? [];
  first.forEach((check, i) => {
    const cells = legs.map((l) => {
      const c = checks[l]![i]!;
      return `${c.value} | ${mark(c.met)}`;
    });
    lines.push(`| ${check.name} | ${check.target} | ${cells.join(' | ')} |`);
  });
  return lines;
}

export function report(input: BenchInput) {
  const legs = Object.keys(input.legs);
  const checks = Object.fromEntries(legs.map((l) => [l, checksOf(input, input.legs[l]!)]));
  const lines = [
    '# Roster benchmark',
    '',
    `${input.date}, \`${input.command}\`. Machine: ${input.machine}. ${input.users.toLocaleString('en')} seeded users.`,
    `Loopback, autocannon, ${input.seconds} s per scenario, 32 connections unless noted; one server process`,
    '(WEB_CONCURRENCY=1) except in "Every core". Load generator and server share the machine.',
    '',
    `Ceiling (bare Koa, small JSON): **${input.ceiling.rps} req/s**, p99 ${input.ceiling.p99} ms, RSS ${input.ceiling.peakRssMb} MB.`,
    ...(input.ceilingWrk
      ? [
          `Under wrk (one thread; the every-core rows marked "(wrk)" and their "% of Koa"): ${input.ceilingWrk.rps} req/s, p99 ${input.ceilingWrk.p99} ms.`,
        ]
      : []),
    `Raw argon2id verify (m=19456, t=2, p=1, 4 threads): **${input.argon2Rate}/s**.`,
    '',
    '## Targets',
    '',
    ...checksTable(legs, checks),
    '',
    'tRPC rows replay the exact requests `@roster/sdk` sends (httpBatchLink: `?batch=1&input=…` even for one call,',
    'its headers), each measured right after its REST twin. The batch is reported as calls/s (3 × its req/s) against',
    'the three single calls combined harmonically (3 / (1/r₁ + 1/r₂ + 1/r₃): the rate of calling the three one after',
    'another).',
    '',
  ];
  for (const leg of legs) {
    const data = input.legs[leg]!;
    lines.push(`## ${leg}`, '', ...rowsTable(data.rows, input), '');
    lines.push(
      `Search term \`user1\` matches ${data.search.matches.toLocaleString('en')} of ${data.search.total.toLocaleString('en')} users (${((data.search.matches / data.search.total) * 100).toFixed(1)}%).`,
      '',
      `### ${leg}: every core`,
      '',
      ...rowsTable(data.cores.rows, input),
      '',
    );
  }
  if (input.peer.length) {
    lines.push(
      '## Peer: Better Auth',
      '',
      'Better Auth 1.7 (bench/peers/better-auth): email + password, bearer plugin, PostgreSQL through `pg` (database',
      '`roster_bench_better_auth`), rate limiter off, node:http via `toNodeHandler`, one process, tables created by',
      'its `getMigrations`. Its sign-in verifies its own hash — scrypt N=16384, r=16, p=1 (node:crypto, libuv pool) —',
      `not argon2id. ${input.peerUsers} users seeded through its sign-up API.`,
      '',
      ...rowsTable(input.peer, input),
      '',
    );
  }
  const json = { ...input, checks };
  return { json, markdown: lines.join('\n'), readme: readmeTable(input, legs, checks) };
}

function readmeTable(input: BenchInput, legs: string[], checks: Record<string, Check[]>): string {
  return [
    `Machine: ${input.machine}; ${input.users.toLocaleString('en')} users; \`${input.command}\`; ${input.date}.`,
    `Ceilings in the same run: bare Koa ${input.ceiling.rps} req/s, raw argon2 ${input.argon2Rate}/s.`,
    '',
    ...checksTable(legs, checks),
  ].join('\n');
}
