// The soak's arithmetic (least-squares slopes), its hand-written SVG plot and its REPORT.md section.
import { quantile } from './load.js';

export interface Sample {
  /** Seconds since the soak started, at the end of the window. */
  t: number;
  rps: number;
  p99: number;
  s2xx: number;
  s4xx: number;
  s5xx: number;
  errors: number;
  /** Peak RSS of the server's process tree in the window, and of its largest process, MB. */
  rssMb: number;
  workerRssMb: number;
  /** Event-loop lag from /metrics (prom-client), ms: nodejs_eventloop_lag_p99_seconds, the worst worker's. */
  lagMs: number | null;
}

/**
 * The worst event-loop lag p99 (ms) of the workers in one /metrics text, or null when it has none. One process
 * answers `nodejs_eventloop_lag_p99_seconds 0.012`; an instance of several workers answers one line per worker
 * (`{worker="1"}`, …) and the primary's (`{worker="primary"}`, which serves no request and is left out).
 */
export function worstLagMs(metrics: string): number | null {
  let worst: number | null = null;
  const line = /^nodejs_eventloop_lag_p99_seconds(?:\{([^}]*)\})?\s+(\S+)$/gm;
  for (const [, labels, value] of metrics.matchAll(line)) {
    if (labels?.includes('worker="primary"')) continue;
    const ms = Number(value) * 1000;
    if (Number.isFinite(ms)) worst = Math.max(worst ?? 0, ms);
  }
  return worst;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface SoakSummary {
  samples: number;
  warmupSeconds: number;
  total: number;
  s5xx: number;
  s4xx: number;
  errors: number;
  /** MB per minute after warm-up, least squares over the samples. */
  rssSlope: number;
  lagSlope: number | null;
  p99: { median: number; max: number; firstThird: number; lastThird: number };
  rps: { median: number };
  peakRssMb: number;
  peakWorkerRssMb: number;
}

export function summarizeSoak(samples: Sample[], warmupSeconds: number): SoakSummary {
  const after = samples.filter((s) => s.t > warmupSeconds);
  const minutes = after.map((s) => s.t / 60);
  const lags = after.filter((s) => s.lagMs !== null);
  const third = Math.max(1, Math.floor(after.length / 3));
  const median = (xs: number[]) => quantile(xs, 0.5);
  return {
    samples: samples.length,
    warmupSeconds,
    total: samples.reduce((a, s) => a + s.s2xx + s.s4xx + s.s5xx, 0),
    s5xx: samples.reduce((a, s) => a + s.s5xx, 0),
    s4xx: samples.reduce((a, s) => a + s.s4xx, 0),
    errors: samples.reduce((a, s) => a + s.errors, 0),
    rssSlope: slope(
      minutes,
      after.map((s) => s.rssMb),
    ),
    lagSlope:
      lags.length > 1
        ? slope(
            lags.map((s) => s.t / 60),
            lags.map((s) => s.lagMs!),
          )
        : null,
    p99: {
      median: median(after.map((s) => s.p99)),
      max: Math.max(0, ...after.map((s) => s.p99)),
      firstThird: median(after.slice(0, third).map((s) => s.p99)),
      lastThird: median(after.slice(-third).map((s) => s.p99)),
    },
    rps: { median: median(after.map((s) => s.rps)) },
    peakRssMb: Math.round(Math.max(0, ...samples.map((s) => s.rssMb))),
    peakWorkerRssMb: Math.round(Math.max(0, ...samples.map((s) => s.workerRssMb))),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Three stacked panels (throughput, p99, RSS) over time, one polyline each; the warm-up shaded. */
export function soakSvg(samples: Sample[], warmupSeconds: number, title: string): string {
  const W = 900;
  const H = 170;
  const left = 70;
  const right = 20;
  const top = 40;
  const gap = 40;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t: number) => left + (t / tMax) * (W - left - right);
  const panels: [string, string, (s: Sample) => number][] = [
    ['throughput (req/s)', '#1f77b4', (s) => s.rps],
    ['p99 latency (ms)', '#d62728', (s) => s.p99],
    ['RSS of the process tree (MB)', '#2ca02c', (s) => s.rssMb],
  ];
  const height = top + panels.length * (H + gap) + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach(([label, color, value], i) => {
    const y0 = top + i * (H + gap);
    const vMax = Math.max(1, ...samples.map(value)) * 1.1;
    const y = (v: number) => y0 + H - (v / vMax) * H;
    out.push(
      `<rect x="${x(0)}" y="${y0}" width="${x(Math.min(warmupSeconds, tMax)) - x(0)}" height="${H}" fill="#eee"/>`,
      `<rect x="${left}" y="${y0}" width="${W - left - right}" height="${H}" fill="none" stroke="#999"/>`,
      `<text x="${left + 6}" y="${y0 + 14}">${esc(label)}</text>`,
      `<text x="${left - 6}" y="${y0 + 4}" text-anchor="end">${Math.round(vMax)}</text>`,
      `<text x="${left - 6}" y="${y0 + H}" text-anchor="end">0</text>`,
      `<text x="${W - right}" y="${y0 + H + 14}" text-anchor="end">${Math.round(tMax)} s</text>`,
      `<text x="${left}" y="${y0 + H + 14}">0 s</text>`,
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${samples
        .map((s) => `${x(s.t).toFixed(1)},${y(value(s)).toFixed(1)}`)
        .join(' ')}"/>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
