import type { Dictionary } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';

/**
 * The postings of admin search (Migration20261209000000SearchGrams): every trigram of every account's search text
 * with the account's (created_at, id), kept in step with `users` by triggers. A search page in creation order walks
 * the postings of one of its term's trigrams (services/admin-list.ts); this module picks which.
 */

/** The distinct trigrams of a folded term, cut by code point as SQL's substr cuts the stored text. */
export function termGrams(term: string): string[] {
  const chars = [...term];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) grams.add(chars.slice(i, i + 3).join(''));
  return [...grams];
}

export interface SearchGramsOptions {
  /**
   * How many postings of one trigram a search walks before it asks the trigram index for every candidate instead:
   * a page of matches is found among them unless the term is rare among the accounts that hold the trigram, and
   * then the index has few candidates to order.
   */
  walk?: number;
  /** Postings are counted up to this many: beyond it a trigram is simply common. */
  cap?: number;
  /** How long a count is believed. */
  ttlMs?: number;
  /** How many counts are remembered (the oldest are forgotten first). */
  maxEntries?: number;
  /** How many of a long term's trigrams are counted (spread over the term). */
  maxProbed?: number;
  now?: () => number;
}

interface Count {
  count: number;
  at: number;
}

/**
 * Which postings a search walks, and how far. How many postings trigrams have is counted once (up to `cap`) and
 * believed for a while in this process. A count only steers the choice of the trigram a search walks (the fewer
 * postings, the sooner a page of matches is found); LIKE decides every match, so a count that is out of date costs
 * time, never a wrong answer.
 */
export class SearchGrams {
  readonly walk: number;
  private readonly cap: number;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxProbed: number;
  private readonly now: () => number;
  private readonly counts = new Map<string, Count>();
  /** Counts under way, by trigram: a burst of searches for a new term counts it once. */
  private readonly counting = new Map<string, Promise<void>>();

  constructor(opts: SearchGramsOptions = {}) {
    this.walk = opts.walk ?? 1000;
    this.cap = opts.cap ?? 50_000;
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.maxProbed = opts.maxProbed ?? 8;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The trigram of `grams` (a term's, in order) with the fewest postings; of equal counts the later one (the end of
   * a term tends to be what sets it apart: `user1`, `smith`).
   */
  async rarest(em: SqlEntityManager, grams: readonly string[]): Promise<string> {
    const probed = spread(grams, this.maxProbed);
    const now = this.now();
    const unknown: string[] = [];
    const old: string[] = [];
    for (const gram of probed) {
      const known = this.counts.get(gram);
      if (known === undefined) unknown.push(gram);
      else if (now - known.at >= this.ttlMs) old.push(gram);
    }
    // A count out of date is used while it is counted again in the background: no search waits for it.
    if (old.length > 0) this.start(em, old, now).catch(() => undefined);
    if (unknown.length > 0) {
      this.start(em, unknown, now);
      // A failed count fails these searches; the next one counts again.
      await Promise.all(unknown.map((g) => this.counting.get(g)));
    }
    let best = probed[0]!;
    let fewest = Infinity;
    for (const gram of probed) {
      const count = this.counts.get(gram)?.count ?? this.cap;
      if (count <= fewest) [best, fewest] = [gram, count];
    }
    return best;
  }

  /** Counts those of these trigrams that are not being counted already; the promise of that count. */
  private start(em: SqlEntityManager, grams: readonly string[], now: number): Promise<void> {
    const fresh = grams.filter((g) => !this.counting.has(g));
    if (fresh.length === 0) return Promise.resolve();
    const done = this.count(em, fresh, now).finally(() => {
      for (const g of fresh) if (this.counting.get(g) === done) this.counting.delete(g);
    });
    for (const g of fresh) this.counting.set(g, done);
    return done;
  }

  /**
   * Counts these trigrams' postings, each up to the cap, in one statement: outside any transaction of the caller's
   * (a count in the background can outlast it), of committed postings, which is all a choice needs.
   */
  private async count(em: SqlEntityManager, grams: readonly string[], now: number): Promise<void> {
    const columns = grams.map(
      (_, i) =>
        `(select count(*) from (select 1 from user_search_grams where gram = ? limit ${this.cap}) as p${i}) as c${i}`,
    );
    const row = await em
      .getConnection('read')
      .execute<Dictionary>(`select ${columns.join(', ')}`, [...grams], 'get');
    grams.forEach((gram, i) => {
      this.counts.delete(gram);
      this.counts.set(gram, { count: Number(row[`c${i}`]), at: now });
    });
    for (const oldest of this.counts.keys()) {
      if (this.counts.size <= this.maxEntries) break;
      this.counts.delete(oldest);
    }
  }
}

/** At most `max` of `items`, the first and the last among them, evenly spaced. */
function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]!);
}
