import type { AuthCache } from './auth-cache.js';
import { Flights } from './flights.js';

/** What a read procedure's meta says to be answered from the read cache (see `ReadCache`). */
export type ReadCacheMeta = {
  /**
   * The answer is a function of the input, the caller's id and role, and accounts' rows only: every change to
   * which invalidates the auth cache (auth-invalidation.ts). Such a query is answered from memory while nothing was
   * invalidated since it was computed.
   */
  readCache?: true;
};

interface Entry {
  data: unknown;
  /** The answer as JSON, made by the first hit served from memory at the HTTP layer (hot-reads.ts). */
  json?: string;
  /** The same in tRPC's result envelope, made by the first tRPC call served from memory. */
  envelope?: string;
  /** The auth cache's invalidation counter when the answer's read began. */
  mark: number;
  /** When it stops being believed (ms since the epoch), as the auth cache's own entries. */
  until: number;
}

const DEFAULT_MAX_ENTRIES = 2_000;
/** Inputs longer than this (as JSON) are not worth a key. */
const MAX_KEY_INPUT = 512;

/** The part of a key that names a call's input: its raw input as JSON, '' for none (tRPC, scripts). */
export function inputKey(input: unknown): string {
  return input === undefined ? '' : JSON.stringify(input);
}

/**
 * A REST call's input, named by its URL (path and query string) rather than by the input trpc-to-openapi builds
 * from it: the HTTP layer can name it before the bridge runs. JSON never starts with `rest `, so a REST call and a
 * tRPC call never share a key; two URLs that mean the same input merely keep two answers.
 */
export function restInputKey(url: string): string {
  return `rest ${url}`;
}

/**
 * Answers of authenticated read procedures (meta `readCache`), by procedure, caller and input, for a few seconds:
 * the general read path behind the auth middleware, in one place for every surface (REST, tRPC single calls and
 * the SDK's batches). The caller is still authenticated and authorized on every call, as before; only the
 * procedure's own reads are skipped.
 *
 * Freshness rides on the auth cache's: an answer is believed only while the auth cache's invalidation counter has
 * not moved since its read began (any change to any account or session, here or announced by another instance,
 * moves it), its bus is healthy, and for no longer than the auth cache's TTL. A read that an invalidation overtook
 * is never stored. So a change is seen by the very next request on every instance that has heard of it — the
 * guarantee revocation already has.
 *
 * Stored answers are the procedures' validated outputs, shared between calls: they are serialized, never changed.
 * The HTTP layer serves the same entries, as JSON, in front of the procedure when the caller's token and session
 * are already known (hot-reads.ts).
 */
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Flights();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly auth: AuthCache,
    opts: { maxEntries?: number; now?: () => number } = {},
  ) {
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key of one call (its input named by `inputKey` or `restInputKey`), or undefined when it is not to be cached. */
  key(path: string, caller: { id: number; role: string }, input: string): string | undefined {
    if (input.length > MAX_KEY_INPUT) return undefined;
    return `${path}\n${caller.id}\n${caller.role}\n${input}`;
  }

  /** The stored answer, while nothing it read was invalidated since. */
  get(key: string): { data: unknown } | undefined {
    const entry = this.live(key);
    return entry && { data: entry.data };
  }

  /**
   * The stored answer as JSON (serialized once per entry), while nothing it read was invalidated since; with
   * `trpc`, in the envelope tRPC answers a query with (`{"result":{"data":…}}`), also made once.
   */
  json(key: string, form: 'rest' | 'trpc' = 'rest'): string | undefined {
    const entry = this.live(key);
    if (!entry) return undefined;
    const json = (entry.json ??= JSON.stringify(entry.data));
    return form === 'rest' ? json : (entry.envelope ??= `{"result":{"data":${json}}}`);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (!this.auth.unchangedSince(entry.mark) || entry.until <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * The stored answer of `key`, or else `read`'s result (its `ok` answers stored); one read per key when an entry
   * expires under load (flights.ts).
   */
  async resolve<T extends { ok: boolean; data?: unknown }>(
    key: string,
    read: () => Promise<T>,
  ): Promise<{ hit: { data: unknown } } | { result: T }> {
    const answer = await this.flights.resolve(
      key,
      {
        cached: () => this.get(key),
        current: (mark) => this.auth.unchangedSince(mark),
        mark: () => this.mark(),
      },
      async (mark) => {
        const done = await read();
        if (done.ok) this.set(key, mark, done.data);
        return done;
      },
    );
    return 'hit' in answer ? answer : { result: answer.loaded };
  }

  /** Where a read begins: pass it back to `set`. */
  mark(): number {
    return this.auth.mark();
  }

  /** Stores an answer whose read began at `mark`, unless something was invalidated since. */
  set(key: string, mark: number, data: unknown): void {
    if (this.auth.ttlMs <= 0 || !this.auth.unchangedSince(mark)) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { data, mark, until: this.now() + this.auth.ttlMs });
  }
}
