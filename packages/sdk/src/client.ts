import {
  createTRPCClient,
  httpBatchLink,
  TRPCClientError,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter, RouterInputs, RouterOutputs } from '@roster/api';
import { RosterError } from './errors.js';
import { memoryStorage, type TokenStorage } from './storage.js';

export interface RosterClientOptions {
  /** Roster's base URL, e.g. http://127.0.0.1:8000 (tRPC is served under /trpc). */
  url: string;
  /**
   * Where `login()` and `setToken()` keep the token and `logout()` clears it; every request sends its current
   * value. Defaults to `memoryStorage()`; in browsers `webStorage(localStorage)` survives reloads.
   */
  storage?: TokenStorage;
  /**
   * The initial token: the content of the default memory storage or, with `storage`, written into it when the
   * client is created (replacing what it held). `login()` replaces it.
   */
  token?: string | null;
  /**
   * Called before every request for the bearer token. When given it decides alone what is sent (and what the
   * `getToken()` helper returns): it takes precedence over `storage` and `token`, which `login()` still fills.
   */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

export interface RosterHelpers {
  /** Creates an account. */
  register(
    input: RouterInputs['auth']['register'],
    opts?: { signal?: AbortSignal },
  ): Promise<RouterOutputs['auth']['register']>;
  /**
   * Logs in and keeps the access token in the storage for the following calls. A `logout()`, `setToken()` or
   * other login that completes while this one is in flight wins: this login's token is then not kept.
   */
  login(
    input: RouterInputs['auth']['login'],
    opts?: { signal?: AbortSignal },
  ): Promise<RouterOutputs['auth']['login']>;
  /** Clears the kept token; resolves once the storage has been cleared. */
  logout(): Promise<void>;
  /** Keeps `token` (null clears it); resolves once the storage has it. */
  setToken(token: string | null): Promise<void>;
  /** The token the next request sends: `getToken`'s answer when that option is given, else the storage's. */
  getToken(): Promise<string | null>;
}

export type RosterClient = TRPCClient<AppRouter> & RosterHelpers;

/** What an aborted call's error is caused by, whatever the signal's reason (timeouts included). */
function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted.', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/**
 * Turns every tRPC failure into a RosterError with Roster's code and the HTTP status, and rejects a call the
 * moment its signal fires: on its own, tRPC's batching leaves an aborted call pending until the rest of its
 * batch is answered, and then resolves it. Leaving the call cancels its request once every call of the batch has.
 */
function rosterErrors(): TRPCLink<AppRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        const fail = (error: Error) =>
          observer.error(
            new RosterError(error instanceof TRPCClientError ? error : TRPCClientError.from(error)),
          );
        const { signal } = op;
        if (signal?.aborted) {
          fail(abortError(signal));
          return;
        }
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: fail,
        });
        const onAbort = () => {
          subscription.unsubscribe();
          fail(abortError(signal as AbortSignal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        return () => {
          signal?.removeEventListener('abort', onAbort);
          subscription.unsubscribe();
        };
      });
}

/** The typed Roster client: `client.auth.me.query()`, `client.users.byId.query({ id })`, plus helpers. */
export function createRosterClient(opts: RosterClientOptions): RosterClient {
  const storage = opts.storage ?? memoryStorage(opts.token ?? null);
  // Writes run one after another, and reads wait for the writes before them, so an async storage can neither
  // reorder `setToken(t)` and `logout()` nor serve a request the token from before an unawaited `setToken()`.
  let writes: Promise<void> = Promise.resolve();
  const write = (token: string | null): Promise<void> => {
    const done = writes.then(() => storage.set(token));
    writes = done.catch(() => undefined);
    return done;
  };
  // A `token` for a given storage is written first; if that fails, every read fails with its error.
  const seeded = opts.storage && opts.token !== undefined ? write(opts.token) : Promise.resolve();
  seeded.catch(() => undefined);
  const stored = async () => {
    await seeded;
    await writes;
    return (await storage.get()) || null;
  };
  const currentToken = async () => (opts.getToken ? (await opts.getToken()) || null : stored());
  // Bumped by every write that settles who is logged in; a login keeps its token only if none happened meanwhile.
  let epoch = 0;
  const replace = (token: string | null) => {
    epoch += 1;
    return write(token);
  };
  const trpc = createTRPCClient<AppRouter>({
    links: [
      rosterErrors(),
      httpBatchLink({
        url: `${opts.url.replace(/\/+$/, '')}/trpc`,
        maxItems: 10,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        headers: async () => {
          const headers = new Headers(opts.headers);
          const bearer = await currentToken();
          if (bearer) headers.set('authorization', `Bearer ${bearer}`);
          return Object.fromEntries(headers);
        },
      }),
    ],
  });
  const helpers: RosterHelpers = {
    register: (input, o) => trpc.auth.register.mutate(input, o),
    async login(input, o) {
      const started = epoch;
      const result = await trpc.auth.login.mutate(input, o);
      if (epoch === started) await replace(result.access_token);
      return result;
    },
    logout: () => replace(null),
    setToken: (token) => replace(token),
    getToken: currentToken,
  };
  return new Proxy(helpers, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      return (trpc as unknown as Record<PropertyKey, unknown>)[prop];
    },
  }) as RosterClient;
}
