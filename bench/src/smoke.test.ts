// CI smoke: every scenario of `pnpm bench`, 40 requests each, with a small seed, on the database TEST_DB names (the
// Better Auth peer on PostgreSQL only). It asserts that each scenario produced requests and no errors — not speed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench, type DbKind } from './bench.js';
import { benchConfig } from './load.js';
import type { Row } from './measure.js';
import { report } from './report.js';
import { summarizeSoak } from './soak-report.js';
import { loadTools } from './wrk.js';
import { runSoak } from './soak-run.js';

const kind: DbKind = process.env.TEST_DB === 'postgresql' ? 'postgresql' : 'sqlite';
// wrk is optional (the every-core rows are then autocannon's alone): exercised where installed.
const tools = await loadTools();
const wrk = tools.includes('wrk');
const work = mkdtempSync(join(tmpdir(), 'roster-bench-smoke-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`pnpm bench smoke on ${kind}`, () => {
  it('runs every scenario with requests and zero errors', { timeout: 600_000 }, async () => {
    // A fixed number of requests per scenario rather than a duration: quick, and never zero on a slow machine.
    benchConfig.amount = 40;
    // Slow is not wrong here: 16 scrypt or argon2 hashes at once on a busy CI machine may take seconds each.
    benchConfig.timeout = 120;
    benchConfig.connections = 8;
    const input = await runBench({
      users: 300,
      kinds: [kind],
      peerUsers: kind === 'postgresql' ? 5 : 0,
      work,
      argon2Ms: 300,
      command: 'smoke',
      pgPrefix: 'roster_bench_smoke',
      tools,
    });
    const leg = input.legs[kind]!;
    const rows: Row[] = [...input.peer, ...leg.rows, ...leg.cores.rows];
    const failed = rows
      .filter((r) => r.requests === 0 || r.errors !== 0)
      .map((r) => `${r.scenario}: ${r.requests} requests, ${r.errors} errors`);
    expect(failed).toEqual([]);
    expect(rows.length).toBe((kind === 'postgresql' ? 3 : 0) + 21 + 4 + (wrk ? 4 : 0));
    if (wrk) expect(input.ceilingWrk?.requests).toBeGreaterThan(0);
    expect(input.ceiling.requests).toBeGreaterThan(0);
    expect(input.argon2Rate).toBeGreaterThan(0);
    expect(leg.revocation).toMatchObject({ logout: 204, rest: 401, trpc: 401, ok: true });
    // The report renders from these rows (every target named, with a value).
    const { markdown } = report(input);
    expect(markdown).toContain('SDK batch of 3 reads');
  });

  it('soaks for a few seconds with zero 5xx and no failed request', { timeout: 600_000 }, async () => {
    const r = await runSoak({
      seconds: 12,
      kind,
      workers: 2,
      users: 300,
      work: join(work, 'soak'),
      pgName: 'roster_bench_smoke_soak',
      windowMs: 3000,
      maxSeconds: 4,
    });
    const summary = summarizeSoak(r.samples, 0);
    expect(r.samples.length).toBeGreaterThanOrEqual(3);
    expect(summary.total).toBeGreaterThan(0);
    // Logins, refreshes (each connection's own token), writes and admin lists all answered 2xx.
    expect({ s5xx: summary.s5xx, s4xx: summary.s4xx, errors: summary.errors }).toEqual({
      s5xx: 0,
      s4xx: 0,
      errors: 0,
    });
    expect(r.samples.every((sample) => sample.rssMb > 0)).toBe(true);
    // Each window read the workers' event-loop lag from the instance's /metrics (a slope needs every one).
    expect(r.samples.every((sample) => sample.lagMs !== null && sample.lagMs > 0)).toBe(true);
    expect(r.died).toBeNull();
  });
});
