// Dev helper: seed once (PROF_DB), start the built server with --cpu-prof, run one scenario, stop.
// Usage: tsx src/profile.ts <sqlite|postgresql> <path-or-scenario> [seconds]
import { existsSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { call } from './http.js';
import { freePort } from './process.js';
import { seed, BENCH_PASSWORD } from './seed.js';

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
  const c = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  const name = `roster_prof_${users}`;
  const exists = (await c.query('select 1 from pg_database where datname=$1', [name])).rowCount;
  if (!exists || process.env.RESEED) {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  }
  await c.end();
  url = `postgresql://postgres@127.0.0.1:5432/${name}`;
  if (!exists || process.env.RESEED) await seed(url, users, 'postgresql');
}
const port = await freePort();
const args = process.env.NOPROF ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}/prof`];
const child = spawn(process.execPath, [...args, `${root}apps/server/dist/main.js`], {
  env: {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PORT: String(port),
    DATABASE_URL: url,
    SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
    DATA_DIR: dir,
    RATE_LIMIT_ENABLED: 'false',
    ...(process.env.SRV_REDIS ? { REDIS_URL: process.env.SRV_REDIS } : {}),
    // Extra server environment as JSON, e.g. SRV_ENV='{"MALLOC_ARENA_MAX":"2"}'.
    ...(process.env.SRV_ENV ? (JSON.parse(process.env.SRV_ENV) as Record<string, string>) : {}),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
for (;;) {
  if (
    await call(`${base}/health`).then(
      (r) => r.status === 200,
      () => false,
    )
  )
    break;
  await new Promise((r) => setTimeout(r, 100));
}
const tok = async (u: string) => {
  const r = await call(
    `${base}/auth/login`,
    'POST',
    JSON.stringify({ username: u, password: BENCH_PASSWORD }),
  );
  return (JSON.parse(r.text) as { access_token: string }).access_token;
};
const token = await tok(path.startsWith('/admin') ? 'benchadmin' : 'benchreader');
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
const r = await autocannon({ connections: 32, duration: Number(secs), ...opts });
const status = (await import('node:fs')).readFileSync(`/proc/${child.pid}/status`, 'utf8');
console.log(
  JSON.stringify({
    path,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    rssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024,
  }),
);
if (process.env.SHOW_METRICS) {
  const m = await call(`${base}/metrics`);
  console.log(
    m.text
      .split('\n')
      .filter((l) =>
        /^(nodejs_heap_size|nodejs_external|process_resident|nodejs_heap_space_size_used)/.test(l),
      )
      .join('\n'),
  );
}
child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
