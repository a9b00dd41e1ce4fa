/**
 * Where the client keeps the bearer token between calls. Either method may be synchronous or return a promise
 * (an IndexedDB wrapper, a secure store, …); the client serialises its writes, so they land in call order.
 */
export interface TokenStorage {
  /** The kept token, or null when there is none. */
  get(): string | null | Promise<string | null>;
  /** Keeps `token`; null forgets it. */
  set(token: string | null): void | Promise<void>;
}

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) that webStorage() uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The default: the token lives in this client's memory and is gone when the page or process ends. */
export function memoryStorage(initial: string | null = null): TokenStorage {
  let token = initial;
  return {
    get: () => token,
    set(next) {
      token = next;
    },
  };
}

/**
 * Keeps the token in a Web Storage area under `key`, e.g. `webStorage(localStorage)` to survive reloads and be
 * shared by the tabs of an origin, or `webStorage(sessionStorage)` for one tab. Null removes the item.
 */
export function webStorage(storage: StorageLike, key = 'roster.token'): TokenStorage {
  return {
    get: () => storage.getItem(key),
    set(token) {
      if (token === null) storage.removeItem(key);
      else storage.setItem(key, token);
    },
  };
}
