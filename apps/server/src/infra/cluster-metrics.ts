import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from 'prom-client';
import { PendingReplies, type WorkerLink } from './worker-bus.js';

// /metrics of an instance with several workers (WEB_CONCURRENCY > 1): a scrape reaches one worker (node's cluster
// hands connections out in turn), which asks the primary for every worker's metrics; each worker's series carry
// its `worker` label (the id in the request log), the primary's process metrics `worker="primary"`. One scrape
// then sees the whole instance, and a restarted worker resets only its own series, as Prometheus expects.
//
//   worker ──metrics:gather──▶ primary ──metrics:report──▶ every worker ──metrics:json──▶ primary
//   worker ◀──metrics:text (every answer merged, or not ok after GATHER_TIMEOUT_MS)── primary

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** What goes over the IPC channel; `roster` tells it apart from the other users of the channel. */
export type MetricsMessage =
  | { roster: 'metrics:gather'; id: string }
  | { roster: 'metrics:report'; id: string }
  | { roster: 'metrics:json'; id: string; metrics: MetricsJson }
  | { roster: 'metrics:text'; id: string; ok: boolean; text?: string };

/** How long the primary waits for every worker's metrics. */
export const GATHER_TIMEOUT_MS = 2_000;
/** How long a worker waits for the primary's answer (longer than the primary's own wait). */
export const ANSWER_TIMEOUT_MS = 3_000;

function isMetricsMessage(value: unknown): value is MetricsMessage {
  const tag = (value as { roster?: unknown } | null)?.roster;
  return (
    typeof tag === 'string' &&
    tag.startsWith('metrics:') &&
    typeof (value as { id?: unknown }).id === 'string'
  );
}

type Send = (message: MetricsMessage) => void;

interface Gathering {
  reply: Send;
  /** The id the scraped worker gave its request. */
  requestId: string;
  waiting: Set<number>;
  answers: MetricsJson[];
  timer: NodeJS.Timeout;
}

/**
 * Every registry's series as one exposition. Their label sets never overlap (each carries its `worker`), so `first`
 * keeps every series as it is: no sums, and no metric dropped (prom-client's own aggregation omits some, such as
 * process_start_time_seconds, which is how a restart shows).
 */
export function mergeMetrics(answers: readonly MetricsJson[]): Promise<string> {
  const merged = AggregatorRegistry.aggregate(
    answers.map((metrics) => metrics.map((metric) => ({ ...metric, aggregator: 'first' as const }))),
  );
  return merged.metrics();
}

/**
 * The primary's side: asks every worker `members()` lists for its metrics when one is scraped, and answers it with
 * all of them merged, its own (`own`: the primary's process metrics) among them. A worker that exits meanwhile is
 * not waited for; one that does not answer in time fails the scrape (Prometheus records a failed scrape, which is
 * better than counters that seem to fall).
 */
export class MetricsGatherer {
  private readonly gatherings = new Map<string, Gathering>();
  private next = 0;

  constructor(
    private readonly members: () => [number, Send][],
    private readonly own: Registry,
    private readonly timeoutMs = GATHER_TIMEOUT_MS,
  ) {}

  /** Every IPC message from worker `from` (`send` answers it); others than these are ignored. */
  receive(from: number, raw: unknown, send: Send): void {
    if (!isMetricsMessage(raw)) return;
    if (raw.roster === 'metrics:gather') this.gather(raw.id, send);
    else if (raw.roster === 'metrics:json') {
      const entry = this.gatherings.get(raw.id);
      if (!entry?.waiting.delete(from)) return;
      if (Array.isArray(raw.metrics)) entry.answers.push(raw.metrics);
      this.settle(raw.id, entry);
    }
  }

  /** Worker `id` is gone: nothing waits for its answer any more. */
  leave(id: number): void {
    for (const [key, entry] of this.gatherings) {
      if (entry.waiting.delete(id)) this.settle(key, entry);
    }
  }

  private gather(id: string, reply: Send): void {
    const key = `g${++this.next}`;
    const members = this.members();
    const timer = setTimeout(() => {
      if (this.gatherings.delete(key)) reply({ roster: 'metrics:text', id, ok: false });
    }, this.timeoutMs);
    timer.unref();
    const waiting = new Set(members.map(([member]) => member));
    const entry: Gathering = { reply, requestId: id, waiting, answers: [], timer };
    this.gatherings.set(key, entry);
    // The primary's own first: it is not asked over IPC.
    void this.own.getMetricsAsJSON().then((metrics) => {
      entry.answers.push(metrics as MetricsJson);
      for (const [, send] of members) send({ roster: 'metrics:report', id: key });
      this.settle(key, entry);
    });
  }

  private settle(key: string, entry: Gathering): void {
    if (entry.waiting.size > 0 || entry.answers.length === 0) return;
    if (!this.gatherings.delete(key)) return;
    clearTimeout(entry.timer);
    const id = entry.requestId;
    mergeMetrics(entry.answers).then(
      (text) => entry.reply({ roster: 'metrics:text', id, ok: true, text }),
      () => entry.reply({ roster: 'metrics:text', id, ok: false }),
    );
  }
}

/**
 * A worker's side: answers the primary's requests for this worker's metrics (`registry`, whose series carry its
 * `worker` label), and gathers the whole instance's for a scrape that reached this worker (rejects when the primary
 * says not every worker answered in time, or does not answer).
 */
export function clusterMetrics(
  link: WorkerLink<MetricsMessage>,
  registry: Registry,
  timeoutMs = ANSWER_TIMEOUT_MS,
): () => Promise<string> {
  const replies = new PendingReplies<string>(timeoutMs);
  link.onMessage((raw) => {
    if (!isMetricsMessage(raw)) return;
    if (raw.roster === 'metrics:report') {
      const id = raw.id;
      void registry.getMetricsAsJSON().then(
        (metrics) => link.send({ roster: 'metrics:json', id, metrics: metrics as MetricsJson }),
        // An answer without metrics: the primary waits for nobody, and this worker's series are missing from it.
        () => link.send({ roster: 'metrics:json', id, metrics: [] }),
      );
    } else if (raw.roster === 'metrics:text') {
      replies.settle(
        raw.id,
        raw.ok && typeof raw.text === 'string'
          ? { value: raw.text }
          : { error: new Error('not every worker reported its metrics in time') },
      );
    }
  });
  return () => replies.ask((id) => link.send({ roster: 'metrics:gather', id }));
}
