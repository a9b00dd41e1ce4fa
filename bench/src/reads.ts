// Authenticated reads: REST, the same procedures over tRPC exactly as the SDK sends them, an SDK batch of the
// three, and the revocation check (the session used is ended; the very next request must be refused).
import type { Request } from 'autocannon';
import { call } from './http.js';
import { load } from './load.js';
import { atHalfRate, bearer, halfRateOf, S, type Measure } from './measure.js';
import { login } from './scenarios.js';
import { steadyLoad } from './steady.js';
import { captureSdkReads, type CapturedRequest } from './sdk-requests.js';

export interface Revocation {
  /** Status of POST /auth/logout (204 expected). */
  logout: number;
  /** Status of the very next GET /auth/me, and of the next SDK auth.me (401 expected). */
  rest: number;
  trpc: number;
  ok: boolean;
}

/** Another of 16,400 pages (limit 10–50, skip up to 4,000) for each request number. */
export const skipPage = (i: number): string =>
  `/users?limit=${10 + (i % 41)}&skip=${(Math.floor(i / 41) % 400) * 10}`;

/** A GET whose path changes with every request sent (autocannon's `setupRequest`). */
export function varied(path: (i: number) => string): Request {
  let i = 0;
  return { method: 'GET', setupRequest: (req) => ({ ...req, path: path(i++) }) };
}

export async function runReads(url: string, measure: Measure, users: number): Promise<Revocation> {
  const { token } = await login(url, 'benchreader');
  const { user: other } = await login(url, 'benchadmin');
  const sdk = await captureSdkReads(token, other.id);
  const replay = (req: CapturedRequest) => () =>
    load({ url: `${url}${req.path}`, method: req.method as 'GET', headers: req.headers });

  // Each tRPC call right after its REST twin: this machine's speed drifts within a minute, and a ratio of two
  // runs 8 s apart says more about the code than one of two runs 40 s apart.
  await measure(S.restMe, () => load({ url: `${url}/auth/me`, headers: bearer(token) }));
  await measure(S.trpcMe, replay(sdk.me), sdk.me.path);
  await measure(S.restById, () => load({ url: `${url}/users/${other.id}`, headers: bearer(token) }));
  await measure(S.trpcById, replay(sdk.byId), sdk.byId.path);
  await measure(S.restList, () => load({ url: `${url}/users?limit=20`, headers: bearer(token) }));
  await measure(S.trpcList, replay(sdk.list), sdk.list.path);
  await measure(S.batch, replay(sdk.batch), `${sdk.batch.path.split('?')[0]}; 3 calls per request`);
  // The read cache answers a repeated call; these never repeat one within its TTL: another of the accounts,
  // another of 16,400 pages (limit 10–50, skip up to 4,000), each request. Seeded ids run from 1 to `users`.
  await measure(S.restByIdCold, () =>
    load({ url, headers: bearer(token), requests: [varied((i) => `/users/${1 + ((i * 7919) % users)}`)] }),
  );
  const cold = await measure(S.restListCold, () =>
    load({ url, headers: bearer(token), requests: [varied(skipPage)] }),
  );
  await measure(atHalfRate(S.restListCold), () =>
    steadyLoad({ url, headers: bearer(token), rate: halfRateOf(cold), path: skipPage }),
  );

  // Revocation: the token was just served from every cache; end its session and ask again at once.
  const logout = await call(`${url}/auth/logout`, 'POST', undefined, bearer(token));
  const rest = await call(`${url}/auth/me`, 'GET', undefined, bearer(token));
  const trpc = await call(`${url}${sdk.me.path}`, 'GET', undefined, sdk.me.headers);
  const revocation = {
    logout: logout.status,
    rest: rest.status,
    trpc: trpc.status,
    ok: logout.status === 204 && rest.status === 401 && trpc.status === 401,
  };
  process.stdout.write(
    `  revocation: logout ${logout.status}, next GET /auth/me ${rest.status}, next tRPC auth.me ${trpc.status} ${revocation.ok ? '✓' : '✗'}\n`,
  );
  return revocation;
}
