import {
  createTRPCClient,
  httpBatchLink,
  TRPCClientError,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter, RouterInputs, RouterOutputs } from './router.js';
import { RosterError } from './errors.js';
import { mfaRequiredOf, type LoginResult, type LoginSession } from './login.js';
import { mfaHelpers, type MfaHelpers } from './mfa.js';
import { passkeyHelpers, type PasskeyHelpers } from './passkey-helpers.js';
import { retryAfterRefresh } from './refresh.js';
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
  /**
   * Where `login()` keeps the refresh token (default: memory). With one, an access token that expired or whose
   * session ended is refreshed once, shared by every call in flight, and the calls are retried. In browsers,
   * `webStorage(localStorage, 'roster.refresh')` keeps sessions across reloads. Ignored with `getToken`.
   */
  refreshStorage?: TokenStorage;
  /**
   * An API key (`rst_…`, from `apiKeys.create()`) sent as the bearer token on every call, in place of a login:
   * the client then never refreshes, and `login()` does not replace it. Takes precedence over `token` and
   * `storage`; `getToken`, when also given, wins.
   */
  apiKey?: string;
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
   *
   * Answers `{ status: 'authenticated', ...session }`, or, for an account with a second factor,
   * `{ status: 'mfa_required', mfaToken, methods }`: complete that with `mfa.verify` (or a passkey).
   */
  login(input: RouterInputs['auth']['login'], opts?: { signal?: AbortSignal }): Promise<LoginResult>;
  /** Second factors: completing a login, and the caller's authenticator app and recovery codes. */
  mfa: MfaHelpers;
  /** Passkeys: list, rename, remove; register and sign in with a browser ceremony (`@roster/sdk/passkeys`). */
  passkeys: PasskeyHelpers;
  /**
   * Ends the session on the server (best effort: offline, it is only forgotten here) and clears the kept access
   * and refresh tokens; resolves once both storages are cleared.
   */
  logout(): Promise<void>;
  /**
   * Exchanges the kept refresh token for a new pair now; concurrent calls share one request. Resolves false when
   * there is no refresh token or the session has ended (both tokens are then cleared).
   */
  refresh(): Promise<boolean>;
  /** Keeps `token` (null clears it); resolves once the storage has it. */
  setToken(token: string | null): Promise<void>;
  /** The token the next request sends: `getToken`'s answer when that option is given, else the storage's. */
  getToken(): Promise<string | null>;
  /** The signed-in account's API keys (a login is needed: keys cannot manage keys). */
  apiKeys: {
    /** Creates a key; `key` in the answer is the only time it is shown. */
    create(
      input: RouterInputs['auth']['createApiKey'],
      opts?: { signal?: AbortSignal },
    ): Promise<RouterOutputs['auth']['createApiKey']>;
    /** The keys not revoked, newest first (never the keys themselves). */
    list(opts?: { signal?: AbortSignal }): Promise<RouterOutputs['auth']['apiKeys']>;
    /** Revokes one of the account's keys: it stops working on its next use. */
    revoke(id: number, opts?: { signal?: AbortSignal }): Promise<void>;
  };
  /**
   * Admins: acts as account `id` (never an admin or oneself) for at most 15 minutes, for `reason` (audited with
   * every write). Answers the impersonation token and a client that sends it (no refresh); its `logout()` ends
   * the impersonation.
   */
  impersonate(
    input: RouterInputs['admin']['impersonate'],
    opts?: { signal?: AbortSignal },
  ): Promise<RouterOutputs['admin']['impersonate'] & { client: RosterClient }>;
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
  const refreshStorage = opts.refreshStorage ?? memoryStorage();
  // Writes run one after another, and reads wait for the writes before them, so an async storage can neither
  // reorder `setToken(t)` and `logout()` nor serve a request the token from before an unawaited `setToken()`.
  let writes: Promise<void> = Promise.resolve();
  /** Runs `task` after every write queued before it; later ones wait for it. */
  const enqueue = <T>(task: () => T | Promise<T>): Promise<T> => {
    const done = writes.then(task);
    writes = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  };
  const writeTo = (target: TokenStorage, token: string | null): Promise<void> =>
    enqueue(() => target.set(token));
  const write = (token: string | null) => writeTo(storage, token);
  // A `token` for a given storage is written first; if that fails, every read fails with its error.
  const seeded = opts.storage && opts.token !== undefined ? write(opts.token) : Promise.resolve();
  seeded.catch(() => undefined);
  const readFrom = async (target: TokenStorage) => {
    await seeded;
    await writes;
    return (await target.get()) || null;
  };
  const stored = () => readFrom(storage);
  const getToken = opts.getToken ?? (opts.apiKey ? () => opts.apiKey : undefined);
  const currentToken = async () => (getToken ? (await getToken()) || null : stored());
  // Bumped by every write that settles who is logged in; a login keeps its tokens only if none happened meanwhile.
  let epoch = 0;
  const replace = (token: string | null, refreshToken: string | null | undefined = undefined) => {
    epoch += 1;
    const access = write(token);
    if (refreshToken === undefined) return access;
    return Promise.all([access, writeTo(refreshStorage, refreshToken)]).then(() => undefined);
  };
  const url = `${opts.url.replace(/\/+$/, '')}/trpc`;
  const transport = (bearer: (context: Record<string, unknown>) => Promise<string | null>) =>
    httpBatchLink<AppRouter>({
      url,
      maxItems: 10,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      headers: async ({ opList }) => {
        const headers = new Headers(opts.headers);
        const token = await bearer(opList[0]?.context ?? {});
        if (token) headers.set('authorization', `Bearer ${token}`);
        return Object.fromEntries(headers);
      },
    });
  // For refresh and logout: no retry link, and the token a call names in its context (none for refresh).
  const session = createTRPCClient<AppRouter>({
    links: [
      rosterErrors(),
      transport(async (context) => (typeof context.token === 'string' ? context.token : null)),
    ],
  });
  let refreshing: Promise<boolean> | null = null;
  const refresh = (): Promise<boolean> => {
    refreshing ??= (async () => {
      try {
        // A caller that supplies its own tokens (getToken) refreshes them itself; an API key never needs it.
        if (getToken) return false;
        const refreshToken = await readFrom(refreshStorage);
        if (!refreshToken) return false;
        const started = epoch;
        try {
          const pair = await session.auth.refresh.mutate({ refresh_token: refreshToken });
          if (epoch === started) await replace(pair.access_token, pair.refresh_token);
          return epoch === started + 1;
        } catch (error) {
          // The session is over (spent, expired or revoked): forget it. Network errors keep the tokens.
          if (error instanceof RosterError && error.status === 401 && epoch === started)
            await replace(null, null);
          return false;
        }
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  };
  const trpc = createTRPCClient<AppRouter>({
    links: [rosterErrors(), retryAfterRefresh(refresh), transport(() => currentToken())],
  });
  /** Keeps the session a call opens, unless a logout, setToken or other login completed meanwhile. */
  const establish = async (open: () => Promise<RouterOutputs['auth']['login']>): Promise<LoginSession> => {
    const started = epoch;
    const result = await open();
    if (epoch === started) await replace(result.access_token, result.refresh_token);
    return { status: 'authenticated', ...result };
  };
  const helpers: RosterHelpers = {
    register: (input, o) => trpc.auth.register.mutate(input, o),
    async login(input, o) {
      try {
        return await establish(() => trpc.auth.login.mutate(input, o));
      } catch (error) {
        const pending = mfaRequiredOf(error);
        if (pending) return pending;
        throw error;
      }
    },
    mfa: mfaHelpers(trpc, establish),
    passkeys: passkeyHelpers(trpc, establish),
    async logout() {
      // Read the token in the write queue, so that the clearing queued right after cannot overtake the read.
      const read = enqueue(async () => (getToken ? null : (await storage.get()) || null));
      const cleared = replace(null, null);
      const token = await read.catch(() => null);
      if (token) await session.auth.logout.mutate(undefined, { context: { token } }).catch(() => undefined);
      await cleared;
    },
    refresh,
    setToken: (token) => replace(token),
    getToken: currentToken,
    apiKeys: {
      create: (input, o) => trpc.auth.createApiKey.mutate(input, o),
      list: (o) => trpc.auth.apiKeys.query(undefined, o),
      revoke: (id, o) => trpc.auth.revokeApiKey.mutate({ id }, o),
    },
    async impersonate(input, o) {
      const started = await trpc.admin.impersonate.mutate(input, o);
      const { apiKey: _key, getToken: _get, storage: _s, refreshStorage: _r, token: _t, ...shared } = opts;
      return { ...started, client: createRosterClient({ ...shared, token: started.access_token }) };
    },
  };
  return new Proxy(helpers, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      return (trpc as unknown as Record<PropertyKey, unknown>)[prop];
    },
  }) as RosterClient;
}
