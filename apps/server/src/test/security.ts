import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'vitest';
import { registerAndLogin, type Session } from './accounts.js';
import { startWithRoot, walk, qs, type AdminSession, type AdminUser, type Page } from './admin.js';
import { http, type JsonResponse, type TestServer } from './harness.js';

// Helpers for the adversarial suite: it attacks a running server over HTTP only (REST and tRPC), then checks
// what the server says afterwards through an admin's reads, never through the database behind its back.

export type { AdminSession };

/** A server whose first admin is logged in (see test/admin.ts). */
export const startAttackTarget = (env: Record<string, string> = {}): Promise<AdminSession> =>
  startWithRoot(env);

/** An attack target and a regular account on it, `mallory`: where most files of the suite start. */
export async function startTargetWithMallory(): Promise<{ target: AdminSession; mallory: Session }> {
  const target = await startAttackTarget();
  return { target, mallory: await registerAndLogin(target.server, 'mallory') };
}

// ---------------------------------------------------------------------------------------------------------------
// tRPC over raw HTTP

export type TrpcKind = 'query' | 'mutation';

/** One tRPC call over HTTP: a query as GET ?input=, a mutation as POST with the input as the JSON body. */
export function trpcCall<T = Record<string, unknown>>(
  server: TestServer,
  kind: TrpcKind,
  path: string,
  input?: unknown,
  token?: string,
): Promise<JsonResponse<T>> {
  if (kind === 'query') {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return http<T>(server.url, 'GET', `/trpc/${path}${query}`, { token });
  }
  return http<T>(server.url, 'POST', `/trpc/${path}`, {
    token,
    ...(input === undefined ? { body: '' } : { json: input }),
  });
}

/** A tRPC batch of calls of one kind: `/trpc/a,b?batch=1`. */
export function trpcBatch<T = unknown[]>(
  server: TestServer,
  kind: TrpcKind,
  calls: { path: string; input?: unknown }[],
  token?: string,
): Promise<JsonResponse<T>> {
  const inputs = Object.fromEntries(calls.map((c, i) => [i, c.input]));
  const paths = calls.map((c) => c.path).join(',');
  if (kind === 'query') {
    const query = `?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`;
    return http<T>(server.url, 'GET', `/trpc/${paths}${query}`, { token });
  }
  return http<T>(server.url, 'POST', `/trpc/${paths}?batch=1`, { token, json: inputs });
}

/** The Roster error code and HTTP status a tRPC error envelope carries. */
export function trpcError(body: unknown): { code: unknown; httpStatus: unknown } {
  const data = (body as { error?: { data?: { code?: unknown; httpStatus?: unknown } } }).error?.data;
  return { code: data?.code, httpStatus: data?.httpStatus };
}

// ---------------------------------------------------------------------------------------------------------------
// Token forgery

/** An attacker's own EC key pair, as a JWK (public) and a signer producing RS/ES-style tokens. */
export function attackerKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, jwk };
}

// ---------------------------------------------------------------------------------------------------------------
// State, as an admin reads it

export interface Observed {
  users: AdminUser[];
  stats: Record<string, unknown>;
}

/** Every account (admin view) and the stats, read over REST by the first admin. */
export async function observe(session: AdminSession): Promise<Observed> {
  const { items } = await walk<AdminUser>(async (cursor) => {
    const res = await session.req<Page<AdminUser>>(
      'GET',
      `/admin/users${qs({ limit: 100, sort: 'username', order: 'asc', cursor })}`,
      { token: session.rootToken },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  });
  const stats = await session.req('GET', '/admin/stats', { token: session.rootToken });
  expect(stats.status).toBe(200);
  return { users: items.sort((a, b) => a.id - b.id), stats: stats.body };
}

/** Fails when anything an admin can see changed between the two observations. */
export function expectUnchanged(before: Observed, after: Observed): void {
  expect(after.users).toEqual(before.users);
  expect(after.stats).toEqual(before.stats);
}

// ---------------------------------------------------------------------------------------------------------------
// Responsiveness under attack

/**
 * Runs `attack` while polling GET /health on fresh connections; answers the attack's result and the slowest
 * /health answer (ms). Fails when /health ever fails to answer 200.
 */
export async function whileHealthy<T>(
  server: TestServer,
  attack: () => Promise<T>,
): Promise<{ result: T; slowestHealthMs: number; healthChecks: number }> {
  let done = false;
  let slowest = 0;
  let checks = 0;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${server.url}/health`, { headers: { connection: 'close' } });
      await res.text();
      expect(res.status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
      checks += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const result = await attack();
    return { result, slowestHealthMs: slowest, healthChecks: checks };
  } finally {
    done = true;
    await poll;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Response hygiene

const LEAK =
  /select |insert |update .* set|delete from|sqlite|postgres|constraint|violat|\bat .*\.(ts|js):\d+|stack|node_modules/i;

/** Never a 5xx; an error body carries only detail, code (and issues), and nothing from the inside. */
export function expectClientOutcome(res: { status: number; body: unknown }, label = ''): void {
  expect(res.status, `${label} ${JSON.stringify(res.body)?.slice(0, 500)}`).toBeLessThan(500);
  // A success may echo what was stored (a bio reading "select ..."); only error bodies must be clean.
  if (res.status >= 400) expectNoLeak(res.body);
}

export function expectNoLeak(body: unknown): void {
  expect(JSON.stringify(body ?? null)).not.toMatch(LEAK);
}

// ---------------------------------------------------------------------------------------------------------------
// Timing

/** `work`'s result and how long it took (ms). */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/**
 * Fails unless the median times of `samples` calls of `known` and of `unknown` (interleaved, so that drift in
 * machine load hits both series alike) are within 20% of each other in at least one of three rounds. The machine
 * is shared (2 cores, other test runs): one noisy round may miss 20% either way. A real leak misses it in every
 * round, and also the hard floor (within 50%) checked in each round.
 */
export async function expectSameTiming(
  known: (sample: string) => Promise<number>,
  unknown: (sample: string) => Promise<number>,
  samples = 15,
): Promise<string[]> {
  const rounds: string[] = [];
  for (let round = 0; round < 3; round += 1) {
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      knownMs.push(await known(`${round}-${i}`));
      unknownMs.push(await unknown(`${round}-${i}`));
    }
    const [k, u] = [median(knownMs), median(unknownMs)];
    rounds.push(`known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`);
    expect(Math.min(k, u) / Math.max(k, u), rounds.join('; ')).toBeGreaterThan(0.5);
    if (Math.abs(k - u) / Math.max(k, u) < 0.2) return rounds;
  }
  return expect.fail(`no round within 20%: ${rounds.join('; ')}`);
}

/** A response's headers without those that differ on every response (date, request id, length). */
export function stableHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries(
    [...headers.entries()].filter(([k]) => !['date', 'x-request-id', 'content-length'].includes(k)),
  );
}

/** The status, body and stable headers of the response `send` answers, and how long it took (ms). */
export async function timedAnswer<T>(
  send: () => Promise<JsonResponse<T>>,
): Promise<{ status: number; body: T; headers: Record<string, string>; ms: number }> {
  const { value: res, ms } = await timed(send);
  return { status: res.status, body: res.body, headers: stableHeaders(res.headers), ms };
}
