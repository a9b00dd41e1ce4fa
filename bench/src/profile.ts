// Dev helper: seed once (a file in PROF_DIR, or database roster_prof_<users>; RESEED=1 redoes PostgreSQL's),
// start the built server with --cpu-prof, run one scenario, stop.
// Usage: tsx src/profile.ts <sqlite|postgresql> <path-or-scenario> [seconds]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { call } from './http.js';
import { rosterEnv, startRoster } from './process.js';
import { login } from './scenarios.js';
import { pgDatabase, seed, BENCH_PASSWORD } from './seed.js';

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
  `${root}apps/server/dist/main.js`,
  rosterEnv(url, dir, {
    ...(process.env.SRV_REDIS ? { REDIS_URL: process.env.SRV_REDIS } : {}),
    // Extra server environment as JSON, e.g. SRV_ENV='{"MALLOC_ARENA_MAX":"2"}'.
    ...(process.env.SRV_ENV ? (JSON.parse(process.env.SRV_ENV) as Record<string, string>) : {}),
  }),
  process.env.NOPROF ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}/prof`],
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
    : { url: `${base}${path}`, headers: { authorization: `Bearer ${token}` } };
if (process.env.PROBE) {
  const o = opts as unknown as { url: string; method?: string; body?: string };
  const x = await call(o.url, o.method ?? 'GET', o.body);
  console.log('probe', x.status, x.text.slice(0, 300));
}
/** The server's CPU time so far (user + system, ms), from /proc (clock ticks of 10 ms). */
const cpuMs = () => {
  const fields = readFileSync(`/proc/${proc.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const cpuBefore = cpuMs();
const r = await autocannon({ connections: 32, duration: Number(secs), ...opts });
const cpuUsPerRequest = Math.round(((cpuMs() - cpuBefore) * 1000) / r.requests.total);
const status = readFileSync(`/proc/${proc.child.pid}/status`, 'utf8');
console.log(
  JSON.stringify({
    path,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
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
        /^(nodejs_heap_size|nodejs_external|process_resident|nodejs_heap_space_size_used|nodejs_gc_duration_seconds_(sum|count))/.test(
          l,
        ),
      )
      .join('\n'),
  );
}
// SIGTERM: the server shuts down gracefully, and Node writes the CPU profile as it exits.
await proc.stop();
