import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { clusterMetrics, mergeMetrics, MetricsGatherer, type MetricsMessage } from './cluster-metrics.js';
import type { WorkerLink } from './worker-bus.js';

// /metrics across the workers of one instance, with the IPC channel replaced by queues: messages are delivered
// asynchronously and in order, as node's IPC does, and a worker can stop answering (hung) or go away (exited).

interface FakeWorker {
  id: number;
  registry: Registry;
  scrape: () => Promise<string>;
  hung: boolean;
}

/** A registry as a worker's: labelled with its id, a counter and a gauge in it. */
function workerRegistry(id: number | 'primary', requests: number): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: String(id) });
  new Counter({ name: 'roster_test_requests_total', help: 'requests', registers: [registry] }).inc(requests);
  new Gauge({ name: 'roster_test_resident_bytes', help: 'rss', registers: [registry] }).set(requests * 1000);
  return registry;
}

function fakeCluster(opts: { timeoutMs?: number; answerTimeoutMs?: number } = {}) {
  const workers = new Map<number, FakeWorker & { deliver(raw: unknown): void }>();
  const gatherer = new MetricsGatherer(
    () => [...workers.values()].map((w) => [w.id, (message: MetricsMessage) => w.deliver(message)]),
    workerRegistry('primary', 0),
    opts.timeoutMs,
  );
  const add = (id: number, requests: number) => {
    let listener: (raw: unknown) => void = () => undefined;
    const registry = workerRegistry(id, requests);
    const link: WorkerLink<MetricsMessage> = {
      send: (message) =>
        setImmediate(() =>
          gatherer.receive(id, structuredClone(message), (reply) => workers.get(id)?.deliver(reply)),
        ),
      onMessage: (l) => void (listener = l),
      connected: () => true,
    };
    const worker = {
      id,
      registry,
      hung: false,
      deliver: (raw: unknown) => setImmediate(() => !worker.hung && listener(raw)),
      scrape: clusterMetrics(link, registry, opts.answerTimeoutMs),
    };
    workers.set(id, worker);
    return worker;
  };
  return { workers, gatherer, add };
}

/** The samples of `name` in an exposition, by their worker label. */
function samples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, worker, value] of text.matchAll(new RegExp(`^${name}\\{worker="([^"]+)"\\} (\\S+)$`, 'gm'))) {
    out[worker!] = Number(value);
  }
  return out;
}

describe('MetricsGatherer and clusterMetrics', () => {
  it('answers a scrape of any worker with every worker’s series and the primary’s, each under its label', async () => {
    const cluster = fakeCluster();
    const a = cluster.add(1, 5);
    const b = cluster.add(2, 7);
    for (const scraped of [a, b]) {
      const text = await scraped.scrape();
      expect(samples(text, 'roster_test_requests_total')).toEqual({ primary: 0, 1: 5, 2: 7 });
      expect(samples(text, 'roster_test_resident_bytes')).toEqual({ primary: 0, 1: 5000, 2: 7000 });
      // One family, not one per worker: HELP and TYPE once each.
      expect(text.match(/^# TYPE roster_test_requests_total counter$/gm)).toHaveLength(1);
    }
  });

  it('answers concurrent scrapes each with its own gathering', async () => {
    const cluster = fakeCluster();
    const a = cluster.add(1, 1);
    const b = cluster.add(2, 2);
    const texts = await Promise.all([a.scrape(), b.scrape(), a.scrape()]);
    for (const text of texts)
      expect(samples(text, 'roster_test_requests_total')).toEqual({ primary: 0, 1: 1, 2: 2 });
  });

  it('fails the scrape when a worker does not answer in time, rather than serve part of the counters', async () => {
    const cluster = fakeCluster({ timeoutMs: 50 });
    const a = cluster.add(1, 1);
    cluster.add(2, 2).hung = true;
    await expect(a.scrape()).rejects.toThrow(/not every worker/);
  });

  it('does not wait for a worker that exits meanwhile', async () => {
    const cluster = fakeCluster({ timeoutMs: 5_000 });
    const a = cluster.add(1, 1);
    const b = cluster.add(2, 2);
    b.hung = true;
    const scrape = a.scrape();
    await new Promise((resolve) => setTimeout(resolve, 20));
    cluster.workers.delete(2);
    cluster.gatherer.leave(2);
    expect(samples(await scrape, 'roster_test_requests_total')).toEqual({ primary: 0, 1: 1 });
  });

  it('rejects when the primary does not answer', async () => {
    let listener: (raw: unknown) => void = () => undefined;
    const silent: WorkerLink<MetricsMessage> = {
      send: () => undefined,
      onMessage: (l) => void (listener = l),
      connected: () => true,
    };
    const scrape = clusterMetrics(silent, workerRegistry(1, 1), 30);
    await expect(scrape()).rejects.toThrow(/did not answer within 30 ms/);
    // A late answer for a request given up is ignored.
    expect(() => listener({ roster: 'metrics:text', id: 'gone', ok: true, text: '' })).not.toThrow();
  });

  it('keeps every process metric of every worker, the start time (how a restart shows) among them', async () => {
    const answers = await Promise.all(
      [1, 2].map((id) => {
        const registry = workerRegistry(id, id);
        collectDefaultMetrics({ register: registry });
        return registry.getMetricsAsJSON();
      }),
    );
    const text = await mergeMetrics(answers);
    expect(Object.keys(samples(text, 'process_start_time_seconds'))).toEqual(['1', '2']);
    expect(Object.keys(samples(text, 'process_resident_memory_bytes'))).toEqual(['1', '2']);
    expect(text).toMatch(
      /^nodejs_version_info\{version="[^"]+",major="\d+",minor="\d+",patch="\d+",worker="2"\} 1$/m,
    );
  });

  it('ignores messages that are not its own', () => {
    const cluster = fakeCluster();
    expect(() => cluster.gatherer.receive(1, { roster: 'bus:join' }, () => undefined)).not.toThrow();
    expect(() => cluster.gatherer.receive(1, null, () => undefined)).not.toThrow();
    expect(() =>
      cluster.gatherer.receive(1, { roster: 'metrics:json', id: 'nope', metrics: [] }, () => undefined),
    ).not.toThrow();
  });
});
