/** The sign-ups chart's geometry, worked out apart from React so it can be tested: bars, axis ticks, labels. */

export interface DayCount {
  date: string;
  count: number;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  date: string;
  count: number;
}

export interface Tick {
  value: number;
  y: number;
}

export interface DayLabel {
  x: number;
  date: string;
}

export interface ChartLayout {
  width: number;
  height: number;
  /** The plotting area inside the axes. */
  plot: { left: number; top: number; right: number; bottom: number };
  bars: Bar[];
  ticks: Tick[];
  labels: DayLabel[];
  max: number;
  total: number;
}

/** The smallest 1, 2 or 5 × 10^k at or above `n` (at least 1), so the axis has round numbers. */
export function niceMax(n: number): number {
  if (!(n > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= n) return step * magnitude;
  }
  return 10 * magnitude;
}

/**
 * Tick values from 0 to a max that niceMax made (1, 2 or 5 × 10^k): whole numbers, at most six, the last one the
 * max itself, so the top line is labelled.
 */
export function tickValues(max: number): number[] {
  const step = Math.max(1, max % 5 === 0 ? max / 5 : max / 4);
  const values: number[] = [];
  for (let v = 0; v <= max; v += step) values.push(v);
  return values;
}

const MARGIN = { left: 36, right: 8, top: 8, bottom: 24 };

/**
 * Bars for each day, scaled to a `width` × `height` viewBox. A day with sign-ups is at least 2 units tall, so it
 * never looks like an empty one. About six date labels, the last day always labelled.
 */
export function layoutChart(days: readonly DayCount[], width = 800, height = 240): ChartLayout {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: width - MARGIN.right,
    bottom: height - MARGIN.bottom,
  };
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const max = niceMax(Math.max(0, ...days.map((d) => d.count)));
  const plotHeight = plot.bottom - plot.top;
  const slot = days.length > 0 ? (plot.right - plot.left) / days.length : 0;
  const barWidth = Math.max(1, slot * 0.7);
  const bars = days.map((d, i) => {
    const raw = (d.count / max) * plotHeight;
    const barHeight = d.count > 0 ? Math.max(2, raw) : 0;
    return {
      x: round(plot.left + i * slot + (slot - barWidth) / 2),
      y: round(plot.bottom - barHeight),
      width: round(barWidth),
      height: round(barHeight),
      date: d.date,
      count: d.count,
    };
  });
  const ticks = tickValues(max).map((value) => ({
    value,
    y: round(plot.bottom - (value / max) * plotHeight),
  }));
  const every = Math.max(1, Math.ceil(days.length / 6));
  const labels = days
    .map((d, i) => ({ x: round(plot.left + i * slot + slot / 2), date: d.date, i }))
    .filter(({ i }) => (days.length - 1 - i) % every === 0)
    .map(({ x, date }) => ({ x, date }));
  return { width, height, plot, bars, ticks, labels, max, total };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
