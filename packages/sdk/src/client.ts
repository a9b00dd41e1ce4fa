import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter, RouterInputs, RouterOutputs } from '@roster/api';
import { RosterError } from './errors.js';

export interface RosterClientOptions {
  /** Roster's base URL, e.g. http://127.0.0.1:8000 (tRPC is served under /trpc). */
  url: string;
  /** A fixed bearer token. `login()` replaces it. */
  token?: string | null;
  /** Called before every request for the bearer token; takes precedence over `token`. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
}

export interface RosterHelpers {
  /** Creates an account. */
  register(input: RouterInputs['auth']['register'], opts?: { signal?: AbortSignal }): Promise<RouterOutputs['auth']['register']>;
  /** Logs in and keeps the access token for the following calls. */
  login(input: RouterInputs['auth']['login'], opts?: { signal?: AbortSignal }): Promise<RouterOutputs['auth']['login']>;
  /** Forgets the kept token. */
  logout(): void;
  setToken(token: string | null): void;
  getToken(): Promise<string | null>;
}

export type RosterClient = TRPCClient<AppRouter> & RosterHelpers;

/** Turns every tRPC failure into a RosterError with Roster's code and the HTTP status. */
function rosterErrors(): TRPCLink<AppRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) =>
        next(op).subscribe({
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: (error) => observer.error(new RosterError(error instanceof TRPCClientError ? error : TRPCClientError.from(error))),
        }),
      );
}

/** The typed Roster client: `client.auth.me.query()`, `client.users.byId.query({ id })`, plus helpers. */
export function createRosterClient(opts: RosterClientOptions): RosterClient {
  let token = opts.token ?? null;
  const currentToken = async () => (opts.getToken ? ((await opts.getToken()) ?? null) : token);
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
      const result = await trpc.auth.login.mutate(input, o);
      token = result.access_token;
      return result;
    },
    logout() {
      token = null;
    },
    setToken(next) {
      token = next;
    },
    getToken: currentToken,
  };
  return new Proxy(helpers, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      return (trpc as unknown as Record<PropertyKey, unknown>)[prop];
    },
  }) as RosterClient;
}
