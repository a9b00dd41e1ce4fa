import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { call } from './http.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  // The whole tree: cluster workers too.
  for (const child of children) {
    for (const pid of child.pid ? descendants(child.pid).reverse() : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
});

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Roster's production environment for the bench: loopback, info logs, a fixed secret key, no rate limits.
 * `extra` is added last (and can override).
 */
export function rosterEnv(
  databaseUrl: string,
  dataDir: string,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
    DATA_DIR: dataDir,
    // The load comes from one address: the rate limits would measure themselves, not Roster.
    RATE_LIMIT_ENABLED: 'false',
    // What the cluster primary gives each worker (docs/scaling.md, "Memory while logins saturate"), set here for the
    // single-process runs too, as an operator running WEB_CONCURRENCY=1 would: a libuv pool of the hash
    // concurrency + 1 threads, a young generation of 4 MB, an old generation capped at 160 MB, one V8 platform
    // thread.
    UV_THREADPOOL_SIZE: String(Math.min(availableParallelism(), 3) + 1),
    NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=160 --v8-pool-size=1',
    // Loopback only; the profile reads /metrics without a token.
    METRICS_PUBLIC: 'true',
    ...extra,
  };
}

/**
 * Starts Roster on a known port with its logs (info, as in production) going to /dev/null; waits for /health.
 * `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startRoster(
  script: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
  stderrFile?: string,
): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', stderrFile ? openSync(stderrFile, 'a') : 'inherit'],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    const up = await call(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (up) break;
    if (i > 300) throw new Error(`${script} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return procOf(child, url);
}

export interface Proc {
  child: ChildProcess;
  url: string;
  /** Resident set size now, in MB, of the process and every process under it (cluster workers). */
  rssMb(): number;
  /** The same, per process: the primary and each worker. */
  tree(): TreeRss;
  /** How it exited (code or signal), or null while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  stop(): Promise<void>;
}

export interface TreeRss {
  /** RSS of the whole tree, MB. */
  totalMb: number;
  /** The largest single process's RSS, MB. */
  maxMb: number;
  processes: number;
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0; // gone meanwhile
  }
}

/** `pid` and its descendants, from /proc/<pid>/task/<tid>/children. */
export function descendants(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const tid = out[i]!;
    try {
      const children = readFileSync(`/proc/${tid}/task/${tid}/children`, 'utf8').trim();
      if (children) out.push(...children.split(/\s+/).map(Number));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** RSS of a process tree now. */
export function treeRss(pid: number): TreeRss {
  const sizes = descendants(pid).map(rssOf);
  return {
    totalMb: sizes.reduce((a, b) => a + b, 0),
    maxMb: Math.max(0, ...sizes),
    processes: sizes.length,
  };
}

/** Starts a node process and waits for it to print its port (Koa ceiling) or its listening log line (Roster). */
export async function startProcess(script: string, env: NodeJS.ProcessEnv, cwd?: string): Promise<Proc> {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 90_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    let started = false;
    lines.on('line', (line) => {
      // Once started, only the server's errors (pino levels 50 and 60) are looked at, and shown: a 5xx in a row's
      // errors has its log line beside it. The request log lines are skipped without parsing.
      if (started) {
        if (line.includes('"level":50') || line.includes('"level":60'))
          process.stderr.write(`    server: ${line}\n`);
        return;
      }
      try {
        const msg = JSON.parse(line) as { port?: number; url?: string };
        if (msg.port || msg.url) {
          started = true;
          clearTimeout(timer);
          resolve(msg.url ?? `http://127.0.0.1:${msg.port}`);
        }
      } catch {
        // not JSON: ignore
      }
    });
  });
  return procOf(child, url);
}

function procOf(child: ChildProcess, url: string): Proc {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.once('exit', (code, signal) => (exit = { code, signal }));
  const tree = () => treeRss(child.pid!);
  return {
    child,
    url,
    rssMb: () => tree().totalMb,
    tree,
    exit: () => exit,
    stop: () =>
      new Promise((resolve) => {
        children.delete(child);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Samples a process tree's RSS every 100 ms while `work` runs; resolves with the work's result, the tree's peak and
 * the peak of its largest process (per worker), in MB.
 */
export async function withPeakRss<T>(
  proc: Proc,
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number; peakWorkerRssMb: number; processes: number }> {
  let peak = proc.tree();
  const sample = () => {
    const now = proc.tree();
    peak = {
      totalMb: Math.max(peak.totalMb, now.totalMb),
      maxMb: Math.max(peak.maxMb, now.maxMb),
      processes: Math.max(peak.processes, now.processes),
    };
  };
  const timer = setInterval(sample, 100);
  try {
    const result = await work();
    sample();
    return {
      result,
      peakRssMb: Math.round(peak.totalMb),
      peakWorkerRssMb: Math.round(peak.maxMb),
      processes: peak.processes,
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * With `workers` > 1, waits (up to `ms`) until the tree holds the primary and that many workers: /health answers as
 * soon as the first worker listens. Resolves with the count seen (a server that ignores WEB_CONCURRENCY stays 1).
 */
export async function waitForWorkers(proc: Proc, workers: number, ms = 15_000): Promise<number> {
  if (workers <= 1) return proc.tree().processes;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const count = proc.tree().processes;
    if (count >= workers + 1) {
      // The last worker forks before it listens: give it a moment to.
      await new Promise((r) => setTimeout(r, 1000));
      return count;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return proc.tree().processes;
}
