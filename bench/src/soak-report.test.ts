import { describe, expect, it } from 'vitest';
import { slope, worstLagMs } from './soak-report.js';

describe('worstLagMs', () => {
  it("reads one process's lag", () => {
    const text = '# TYPE nodejs_eventloop_lag_p99_seconds gauge\nnodejs_eventloop_lag_p99_seconds 0.0125\n';
    expect(worstLagMs(text)).toBeCloseTo(12.5);
  });

  it("takes the worst worker's lag from an instance's scrape, not the primary's", () => {
    const text = [
      '# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
      'nodejs_eventloop_lag_p99_seconds{worker="1"} 0.011',
      'nodejs_eventloop_lag_p99_seconds{worker="2"} 0.0304',
      'nodejs_eventloop_lag_p99_seconds{worker="primary"} 0.5',
      'nodejs_eventloop_lag_p90_seconds{worker="1"} 0.9',
    ].join('\n');
    expect(worstLagMs(text)).toBeCloseTo(30.4);
  });

  it('is null when the scrape has no lag', () => {
    expect(worstLagMs('process_resident_memory_bytes 1000\n')).toBeNull();
    expect(worstLagMs('nodejs_eventloop_lag_p99_seconds{worker="primary"} 0.001\n')).toBeNull();
  });
});

describe('slope', () => {
  it('is the least-squares slope, and 0 with fewer than two points', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([1], [5])).toBe(0);
  });
});
