// wrk (Debian's `wrk`, C, one thread) as a second load generator for the scaling rows: autocannon is a node process
// that takes most of a core at these rates, and on a two-core machine that core is the one a second worker needs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { benchConfig, WARMUP_SECONDS, type LoadResult, type LoadTool } from './load.js';

const run = promisify(execFile);

/** Whether `wrk` is on PATH (it is optional: without it the scaling rows are autocannon's alone). */
export async function wrkAvailable(): Promise<boolean> {
  try {
    await run('wrk', ['--version']);
    return true;
  } catch (error) {
    // wrk prints its usage and exits 1 on --version: present.
    return (
      typeof (error as { stdout?: unknown }).stdout === 'string' &&
      /wrk/.test((error as { stdout: string }).stdout)
    );
  }
}

/** The load generators of this machine: autocannon, and wrk where installed. */
export async function loadTools(): Promise<LoadTool[]> {
  return (await wrkAvailable()) ? ['autocannon', 'wrk'] : ['autocannon'];
}

/** Milliseconds from one of wrk's durations (`812.00us`, `1.23ms`, `2.01s`). */
export function wrkMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) throw new Error(`not a wrk duration: ${value}`);
  const n = Number(m[1]);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Math.round(n * scale * 1000) / 1000;
}

/** Parses `wrk --latency` output into the bench's row numbers. */
export function parseWrk(out: string): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  if (!rps || !total || !p50 || !p99) throw new Error(`unexpected wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Math.round(Number(rps[1])),
    p50: Math.round(wrkMs(p50[1]!)),
    p99: Math.round(wrkMs(p99[1]!)),
    errors: non2xx + socketErrors,
    requests: Number(total[1]),
  };
}

/**
 * One wrk run (one thread, the bench's connections and duration) of GET `url` with `headers`, after one unmeasured
 * second, as autocannon's runs have.
 */
export async function wrkLoad(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  const once = async (seconds: number) => {
    const args = ['-t1', `-c${benchConfig.connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s'];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
    const { stdout } = await run('wrk', [...args, url], { maxBuffer: 1 << 20 });
    return parseWrk(stdout);
  };
  // The CI smoke counts requests (`amount`), which wrk cannot: one second there, without the warm-up.
  if (benchConfig.amount) return once(1);
  await once(WARMUP_SECONDS);
  return once(benchConfig.seconds);
}
