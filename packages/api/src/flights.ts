/**
 * At most one load per cache key at a time: the guard against a cache stampede. When an entry expires under load,
 * every request in flight misses it together; without this each of them reads the database and computes the same
 * answer (32 connections on one session: 32 session loads and 32 list queries every TTL, the tail of the list's
 * latency). With it, the first miss loads; the others wait for that load and then look in the cache again.
 *
 * Waiting never changes what a request believes: a waiter takes nothing from the load itself, only what the cache
 * then holds by its own rules. A load that an invalidation overtook stores nothing, and its waiters load for
 * themselves; so does every waiter of a load that failed.
 */
export class Flights {
  private readonly running = new Map<string, { mark: number; done: Promise<void> }>();

  get size(): number {
    return this.running.size;
  }

  /**
   * The load of `key` under way, when `current` says nothing was invalidated since it began (waiting for a load
   * whose answer will not be stored would only delay the request): resolves when it has finished, stored or not.
   */
  wait(key: string, current: (mark: number) => boolean): Promise<void> | undefined {
    const flight = this.running.get(key);
    return flight && current(flight.mark) ? flight.done : undefined;
  }

  /**
   * What the cache holds for `key` (`cache.cached`), or else `load(mark)`'s result, which stores its answer. While a
   * load of `key` is under way that nothing was invalidated since (`cache.current`), waits for it and looks again
   * instead of loading too. From the miss to the load's start nothing awaits, so a burst of calls that all miss
   * together still loads once.
   */
  async resolve<H, T>(
    key: string,
    cache: { cached: () => H | undefined; current: (mark: number) => boolean; mark: () => number },
    load: (mark: number) => Promise<T>,
  ): Promise<{ hit: H } | { loaded: T }> {
    const hit = cache.cached();
    if (hit !== undefined) return { hit };
    const running = this.wait(key, cache.current);
    if (running) {
      await running;
      const after = cache.cached();
      if (after !== undefined) return { hit: after };
    }
    const mark = cache.mark();
    return { loaded: await this.run(key, mark, () => load(mark)) };
  }

  /**
   * Runs `load` (which stores its answer) as the load of `key` that began at `mark`; while it runs, `wait` hands it
   * to the others. When another load of `key` is already running, `load` just runs.
   */
  async run<T>(key: string, mark: number, load: () => Promise<T>): Promise<T> {
    if (this.running.has(key)) return load();
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    this.running.set(key, { mark, done });
    try {
      return await load();
    } finally {
      this.running.delete(key);
      finish();
    }
  }
}
