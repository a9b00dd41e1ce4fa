import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchConfig } from './load.js';
import { steadyLoad } from './steady.js';

// A server that answers /slow after 300 ms, /fail with a 500 and anything else at once, and remembers every path.
let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const answer = () => res.writeHead(req.url?.startsWith('/fail') ? 500 : 200).end('{}');
    if (req.url?.startsWith('/slow')) setTimeout(answer, 300);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('steadyLoad', () => {
  it('sends at the rate asked, every path once, and counts what is not 2xx', async () => {
    benchConfig.amount = 40;
    try {
      seen.length = 0;
      const r = await steadyLoad({
        url: base,
        rate: 100,
        path: (i) => (i % 10 === 9 ? `/fail/${i}` : `/ok/${i}`),
      });
      expect(r.requests).toBe(40);
      expect(r.errors).toBe(4);
      expect(r.failures).toBe('HTTP 500 ×4');
      // 40 requests at 100 a second: the last one leaves 0.39 s after the first, however fast the server answers.
      expect(r.rps).toBeLessThanOrEqual(103);
      expect([...seen].sort()).toEqual(
        Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? `/fail/${i}` : `/ok/${i}`)).sort(),
      );
    } finally {
      delete benchConfig.amount;
    }
  });

  it('does not wait for a slow answer before sending the next request (open loop)', async () => {
    benchConfig.amount = 20;
    try {
      const r = await steadyLoad({ url: `${base}/slow`, rate: 100 });
      expect(r.errors).toBe(0);
      expect(r.failures).toBeUndefined();
      // Every answer takes 300 ms: sent one after another, 20 requests would take 6 s (3 a second); sent on schedule,
      // about 0.5 s.
      expect(r.p50).toBeGreaterThanOrEqual(290);
      expect(r.rps).toBeGreaterThan(10);
    } finally {
      delete benchConfig.amount;
    }
  });
});
