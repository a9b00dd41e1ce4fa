// Dev helper: seed once (a file in PROF_DIR, or database roster_prof_<users>; RESEED=1 redoes PostgreSQL's),
// start the built server (PROF_MAIN: another build of main.js, for A/B runs) with --cpu-prof, run one scenario, stop.
// Usage: tsx src/profile.ts <sqlite|postgresql> <path|login|skip> [seconds]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { call } from './http.js';
import { benchConfig, summarize, type LoadResult } from './load.js';
import { descendants, rosterEnv, startRoster } from './process.js';
import { skipPage, varied } from './reads.js';
import { login } from './scenarios.js';
import { pgDatabase, seed, BENCH_PASSWORD } from './seed.js';
import { steadyLoad } from './steady.js';

const [kind = 'sqlite', path = '/auth/me', secs = '6'] = process.argv.slice(2);
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = process.env.PROF_DIR ?? '/tmp/perf';
mkdirSync(dir, { recursive: true });
const users = Number(process.env.BENCH_USERS ?? 100_000);
let url: string;
if (kind === 'sqlite') {
  const file = `${dir}/bench-${users}.db`;
  url = `sqlite:${file}`;
  if (!existsSync(file)) await seed(url, users, 'sqlite');
} else {
  const db = await pgDatabase(`roster_prof_${users}`, !process.env.RESEED);
  url = db.url;
  if (db.created) await seed(url, users, 'postgresql');
}
const proc = await startRoster(
  process.env.PROF_MAIN ?? `${root}apps/server/dist/main.js`,
  rosterEnv(url, dir, {
    // One worker, as the bench's single-process rows run (SRV_ENV can say otherwise).
    WEB_CONCURRENCY: '1',
    ...(process.env.SRV_REDIS ? { REDIS_URL: process.env.SRV_REDIS } : {}),
    // Extra server environment as JSON, e.g. SRV_ENV='{"MALLOC_ARENA_MAX":"2"}'.
    ...(process.env.SRV_ENV ? (JSON.parse(process.env.SRV_ENV) as Record<string, string>) : {}),
  }),
  process.env.NOPROF
    ? []
    : // PROF_ARGS: other profiler flags, e.g. '--heap-prof --heap-prof-dir=/tmp/perf/heap'.
      (process.env.PROF_ARGS?.split(' ') ?? ['--cpu-prof', `--cpu-prof-dir=${dir}/prof`]),
);
const base = proc.url;
const { token } = await login(base, path.startsWith('/admin') ? 'benchadmin' : 'benchreader');
const opts =
  path === 'login'
    ? {
        url: `${base}/auth/login`,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'benchreader', password: BENCH_PASSWORD }),
        connections: 16,
      }
    : path === 'skip'
      ? // Another list page each request, as the bench's restListCold row.
        { url: base, headers: { authorization: `Bearer ${token}` }, requests: [varied(skipPage)] }
      : { url: `${base}${path}`, headers: { authorization: `Bearer ${token}` } };
if (process.env.PROBE) {
  const o = opts as unknown as { url: string; method?: string; body?: string };
  const x = await call(o.url, o.method ?? 'GET', o.body);
  console.log('probe', x.status, x.text.slice(0, 300));
}
/** The server's CPU time so far (user + system, ms; every process of its tree), from /proc (ticks of 10 ms). */
const cpuMs = () =>
  descendants(proc.child.pid!).reduce((sum, pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return sum; // gone meanwhile
    }
  }, 0);
const cpuBefore = cpuMs();
// STEADY=<rate>: a constant rate instead of 32 connections at full load (steady.ts).
let r: LoadResult;
if (process.env.STEADY) {
  benchConfig.seconds = Number(secs);
  r = await steadyLoad({
    url: opts.url,
    headers: { authorization: `Bearer ${token}` },
    rate: Number(process.env.STEADY),
    ...(path === 'skip' ? { path: skipPage } : {}),
  });
} else {
  r = summarize(await autocannon({ connections: 32, duration: Number(secs), ...opts }));
}
const cpuUsPerRequest = Math.round(((cpuMs() - cpuBefore) * 1000) / r.requests);
const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
console.log(
  JSON.stringify({
    path,
    ...r,
    cpuUsPerRequest,
    rssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024,
  }),
);
if (process.env.SHOW_METRICS) {
  const m = await call(`${base}/metrics`);
  console.log(
    m.text
      .split('\n')
      .filter((l) =>
        (process.env.SHOW_METRICS_RE
          ? new RegExp(process.env.SHOW_METRICS_RE)
          : /^(nodejs_heap_size|nodejs_external|process_resident|nodejs_heap_space_size_used|nodejs_gc_duration_seconds_(sum|count))/
        ).test(l),
      )
      .join('\n'),
  );
}
// SIGTERM: the server shuts down gracefully, and Node writes the CPU profile as it exits.
await proc.stop();
