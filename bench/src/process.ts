import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { call } from './http.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
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
): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
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
  /** Resident set size now, in MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

/** Starts a node process and waits for it to print its port (Koa ceiling) or its listening log line (Roster). */
export async function startProcess(script: string, env: NodeJS.ProcessEnv, cwd?: string): Promise<Proc> {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { port?: number; url?: string };
        if (msg.port || msg.url) {
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
  return {
    child,
    url,
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        children.delete(child);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Samples a process's RSS while `work` runs; resolves with the work's result and the peak in MB. */
export async function withPeakRss<T>(
  proc: Proc,
  work: () => Promise<T>,
): Promise<{ result: T; peakRssMb: number }> {
  let peak = proc.rssMb();
  const timer = setInterval(() => {
    peak = Math.max(peak, proc.rssMb());
  }, 100);
  try {
    const result = await work();
    peak = Math.max(peak, proc.rssMb());
    return { result, peakRssMb: Math.round(peak) };
  } finally {
    clearInterval(timer);
  }
}
