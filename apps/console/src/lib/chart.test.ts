import { describe, expect, it } from 'vitest';
import { layoutChart, niceMax, tickValues, type DayCount } from './chart';

const days = (counts: number[]): DayCount[] =>
  counts.map((count, i) => ({ date: `2026-01-${String(i + 1).padStart(2, '0')}`, count }));

describe('niceMax and tickValues', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 19, 21, 99, 101, 600].map(niceMax)).toEqual([
      1, 1, 2, 5, 10, 10, 20, 20, 50, 100, 200, 1000,
    ]);
    expect(niceMax(Number.NaN)).toBe(1);
  });

  it('ticks whole numbers from 0 up to the max itself', () => {
    expect(tickValues(1)).toEqual([0, 1]);
    expect(tickValues(2)).toEqual([0, 1, 2]);
    expect(tickValues(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tickValues(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(tickValues(20)).toEqual([0, 4, 8, 12, 16, 20]);
    expect(tickValues(50)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(tickValues(200)).toEqual([0, 40, 80, 120, 160, 200]);
  });
});

describe('layoutChart', () => {
  it('draws one bar per day inside the plot, scaled to the rounded max', () => {
    const chart = layoutChart(days([0, 5, 10, 0]), 400, 200);
    expect(chart.bars).toHaveLength(4);
    expect(chart.max).toBe(10);
    expect(chart.total).toBe(15);
    const [empty, half, full] = chart.bars;
    expect(empty?.height).toBe(0);
    expect(full?.y).toBe(chart.plot.top);
    expect(full?.height).toBe(chart.plot.bottom - chart.plot.top);
    expect(half?.height).toBeCloseTo((chart.plot.bottom - chart.plot.top) / 2, 1);
    for (const bar of chart.bars) {
      expect(bar.x).toBeGreaterThanOrEqual(chart.plot.left);
      expect(bar.x + bar.width).toBeLessThanOrEqual(chart.plot.right);
      expect(bar.y + bar.height).toBeCloseTo(chart.plot.bottom, 5);
    }
  });

  it('gives a day with few sign-ups a visible bar', () => {
    const chart = layoutChart(days([1, 1000]));
    expect(chart.bars[0]?.height).toBe(2);
  });

  it('labels about six days, always the last', () => {
    const chart = layoutChart(days(Array.from({ length: 30 }, () => 1)));
    expect(chart.labels.length).toBeLessThanOrEqual(7);
    expect(chart.labels.at(-1)?.date).toBe('2026-01-30');
    expect(chart.ticks[0]).toEqual({ value: 0, y: chart.plot.bottom });
  });

  it('copes with no days at all', () => {
    const chart = layoutChart([]);
    expect(chart).toMatchObject({ bars: [], labels: [], max: 1, total: 0 });
  });
});
