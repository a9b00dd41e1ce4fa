import { describe, expect, it } from 'vitest';
import { parseWrk, wrkMs } from './wrk.js';

// `wrk -t1 -c32 -d8s --latency` as Debian's wrk 4.1.0 prints it.
const OUTPUT = `Running 8s test @ http://127.0.0.1:40123/auth/me
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.31ms    1.02ms  41.20ms   93.11%
    Req/Sec    14.05k     0.61k   15.12k    80.00%
  Latency Distribution
     50%    2.12ms
     75%    2.50ms
     90%    3.01ms
     99%    6.48ms
  111901 requests in 8.00s, 41.23MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:  13987.41
Transfer/sec:      5.15MB
`;

describe('wrk output', () => {
  it('reads the rate, the percentiles, the total and every error', () => {
    expect(parseWrk(OUTPUT)).toEqual({ rps: 13987, p50: 2, p99: 6, errors: 6, requests: 111901 });
  });

  it('reads a clean run as zero errors', () => {
    const clean = OUTPUT.replace(/ {2}Non-2xx.*\n/, '').replace(/ {2}Socket errors.*\n/, '');
    expect(parseWrk(clean).errors).toBe(0);
  });

  it('converts each of its units to milliseconds', () => {
    expect([wrkMs('812.00us'), wrkMs('1.50ms'), wrkMs('2.01s'), wrkMs('1.00m')]).toEqual([
      0.812, 1.5, 2010, 60_000,
    ]);
  });

  it('refuses output it does not understand', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      /unexpected wrk output/,
    );
    expect(() => wrkMs('3 parsecs')).toThrow(/not a wrk duration/);
  });
});
