// The soak itself: seed, start the production build with WEB_CONCURRENCY workers, measure the mix's maximum, offer
// 80% of it for `seconds`, sample every window, stop the server. pnpm bench:soak (soak.ts) writes its outputs; the
// CI smoke runs a few seconds of it.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { serverMain, type DbKind } from './bench.js';
import { call } from './http.js';
import { quantile, summarize, type LoadResult } from './load.js';
import { rosterEnv, startRoster, waitForWorkers } from './process.js';
import { SOAK_MIX } from './soak-mix.js';
import { worstLagMs, type Sample } from './soak-report.js';
import { pgDatabase, seed } from './seed.js';

export const CONNECTIONS = 32;

export interface SoakOptions {
  seconds: number;
  kind: DbKind;
  workers: number;
  users: number;
  /** Scratch directory, emptied first. */
  work: string;
  /** PostgreSQL database to create (and drop first). */
  pgName: string;
  windowMs: number;
  /** How long the unthrottled maximum is measured; default seconds / 20 within 10–30. */
  maxSeconds?: number;
}

export async function runSoak(opts: SoakOptions) {
  rmSync(opts.work, { recursive: true, force: true });
  mkdirSync(opts.work, { recursive: true });
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const databaseUrl =
    opts.kind === 'sqlite' ? `sqlite:${opts.work}/soak.db` : (await pgDatabase(opts.pgName)).url;
  process.stdout.write(
    `soak on ${opts.kind}, ${opts.workers} workers, ${opts.seconds} s; seeding ${opts.users} users…\n`,
  );
  await seed(databaseUrl, opts.users, opts.kind);
  const stderrFile = `${opts.work}/server.stderr`;
  const server = await startRoster(
    serverMain,
    rosterEnv(databaseUrl, opts.work, { WEB_CONCURRENCY: String(opts.workers) }),
    [],
    stderrFile,
  );
  const processes = await waitForWorkers(server, opts.workers);

  // The mix's maximum, quickly: the same traffic, unthrottled. Every connection starts with a login, so the first
  // moments are a burst of hashes; the rate is taken over the second half of the window only.
  const maxSeconds = opts.maxSeconds ?? Math.min(30, Math.max(10, Math.round(opts.seconds / 20)));
  const max = await new Promise<LoadResult>((resolve) => {
    const t0 = Date.now();
    const half = t0 + (maxSeconds * 1000) / 2;
    let late = 0;
    const run = autocannon(
      { url: server.url, connections: CONNECTIONS, duration: maxSeconds, requests: SOAK_MIX },
      (_error, result) => {
        const whole = summarize(result);
        resolve({ ...whole, rps: Math.round(late / ((Date.now() - half) / 1000)) });
      },
    );
    run.on('response', () => {
      if (Date.now() >= half) late++;
    });
  });
  const rate = Math.max(1, Math.round(max.rps * 0.8));
  process.stdout.write(`  max of the mix: ${max.rps} req/s (p99 ${max.p99} ms); soaking at ${rate} req/s\n`);

  /** The worst worker's event-loop lag p99 (ms): one scrape answers for every worker of the instance. */
  async function lagMs(): Promise<number | null> {
    const res = await call(`${server.url}/metrics`).catch(() => null);
    return res ? worstLagMs(res.text) : null;
  }

  const samples: Sample[] = [];
  let window = { times: [] as number[], s2xx: 0, s4xx: 0, s5xx: 0, errors: 0, rss: 0, workerRss: 0 };
  const fresh = () => ({ times: [] as number[], s2xx: 0, s4xx: 0, s5xx: 0, errors: 0, rss: 0, workerRss: 0 });
  const started = Date.now();
  let finished!: (result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve) => (finished = resolve));
  // The callback form returns the instance, whose events give each response's status and latency.
  const soak = autocannon(
    {
      url: server.url,
      connections: CONNECTIONS,
      overallRate: rate,
      duration: opts.seconds,
      requests: SOAK_MIX,
    },
    (_error, result) => finished(result),
  );
  soak.on('response', (_client, status, _bytes, ms) => {
    window.times.push(ms);
    if (status >= 500) window.s5xx++;
    else if (status >= 400) window.s4xx++;
    else window.s2xx++;
  });
  soak.on('reqError', () => window.errors++);
  const rssTimer = setInterval(() => {
    if (server.exit()) return;
    const tree = server.tree();
    window.rss = Math.max(window.rss, tree.totalMb);
    window.workerRss = Math.max(window.workerRss, tree.maxMb);
  }, 500);
  const pending: Promise<void>[] = [];
  const sampler = setInterval(() => {
    const w = window;
    window = fresh();
    const t = Math.round((Date.now() - started) / 1000);
    const next = lagMs().then((lag) => {
      const sample: Sample = {
        t,
        rps: Math.round(w.times.length / (opts.windowMs / 1000)),
        p99: Math.round(quantile(w.times, 0.99)),
        s2xx: w.s2xx,
        s4xx: w.s4xx,
        s5xx: w.s5xx,
        errors: w.errors,
        rssMb: Math.round(w.rss),
        workerRssMb: Math.round(w.workerRss),
        lagMs: lag === null ? null : Math.round(lag * 10) / 10,
      };
      samples.push(sample);
      process.stdout.write(
        `  ${t}s: ${sample.rps} req/s, p99 ${sample.p99} ms, 5xx ${sample.s5xx}, 4xx ${sample.s4xx}, RSS ${sample.rssMb} MB, lag p99 ${sample.lagMs} ms\n`,
      );
    });
    pending.push(next);
    // A dead server ends the soak: its exit is the finding.
    if (server.exit()) soak.stop();
  }, opts.windowMs);
  await done;
  clearInterval(sampler);
  await Promise.all(pending);
  samples.sort((a, b) => a.t - b.t);
  clearInterval(rssTimer);
  const died = server.exit();
  await server.stop();
  const stopped = server.exit();
  const stderrTail = existsSync(stderrFile)
    ? readFileSync(stderrFile, 'utf8').split('\n').slice(-15).join('\n')
    : '';

  return { date, processes, max, maxSeconds, rate, samples, died, stopped, stderrTail };
}

export type SoakResult = Awaited<ReturnType<typeof runSoak>>;
