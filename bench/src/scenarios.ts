import argon2 from 'argon2';
import autocannon from 'autocannon';
import { call } from './http.js';
import { bound, load, summarize } from './load.js';
import { atHalfRate, bearer, halfRateOf, json, S, type Measure } from './measure.js';
import { ARGON2, BENCH_PASSWORD } from './seed.js';
import { steadyLoad } from './steady.js';

/** An access token for a seeded user (BENCH_PASSWORD) and its id; throws unless the login answers 200. */
export async function login(url: string, username: string): Promise<{ token: string; user: { id: number } }> {
  const res = await call(`${url}/auth/login`, 'POST', JSON.stringify({ username, password: BENCH_PASSWORD }));
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  const body = JSON.parse(res.text) as { access_token: string; user: { id: number } };
  return { token: body.access_token, user: body.user };
}

/** Verifications per second of argon2 alone, with Roster's parameters and libuv's 4 threads, for `ms`. */
export async function rawArgon2Rate(ms = 5000): Promise<number> {
  const hash = await argon2.hash(BENCH_PASSWORD, { type: argon2.argon2id, ...ARGON2 });
  let done = 0;
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < until) {
        await argon2.verify(hash, BENCH_PASSWORD);
        done++;
      }
    }),
  );
  return Math.round(done / (ms / 1000));
}

/** Admin search and deep pages (the user list's first page is measured with the reads). */
export async function runLists(
  url: string,
  measure: Measure,
  cursors: { deepList: string; deepSearch: string },
): Promise<void> {
  const { token: admin } = await login(url, 'benchadmin');
  const pages = [
    [S.searchFirst, `${url}/admin/users?q=user1&limit=20`],
    [S.searchDeep, `${url}/admin/users?q=user1&limit=20&cursor=${cursors.deepSearch}`],
    [S.adminDeep, `${url}/admin/users?limit=20&cursor=${cursors.deepList}`],
  ] as const;
  // Each at full load (32 connections, each sending as soon as it has its answer), then at a steady half of the rate
  // that reached.
  for (const [scenario, page] of pages) {
    const full = await measure(scenario, () => load({ url: page, headers: bearer(admin) }));
    await measure(atHalfRate(scenario), () =>
      steadyLoad({ url: page, headers: bearer(admin), rate: halfRateOf(full) }),
    );
  }
}

const loginBody = (username: string) => JSON.stringify({ username, password: BENCH_PASSWORD });

/** Logins alone; reads while logins saturate; registrations; the round-1 mix. */
export async function runWrites(url: string, measure: Measure): Promise<void> {
  const { token: reader } = await login(url, 'benchreader');
  await measure(S.login, () =>
    load({
      url: `${url}/auth/login`,
      method: 'POST',
      headers: json,
      body: loginBody('benchreader'),
      connections: 16,
    }),
  );
  // Reads while logins saturate the hash pool: both loads at once, the reads' latency is what counts (and the
  // peak RSS per worker, which logins drive).
  let logins: ReturnType<typeof summarize> | undefined;
  const reads = await measure(
    S.readsWhileLogins,
    async () => {
      const [loginResult, readResult] = await Promise.all([
        autocannon({
          url: `${url}/auth/login`,
          method: 'POST',
          headers: json,
          body: loginBody('benchadmin'),
          connections: 16,
          ...bound(),
        }),
        autocannon({
          url: `${url}/auth/me`,
          headers: bearer(reader),
          connections: 8,
          ...bound(),
        }),
      ]);
      logins = summarize(loginResult);
      return summarize(readResult);
    },
    'GET /auth/me at 8 connections beside 16 connections of logins',
  );
  const beside = await measure(
    S.loginsBesideReads,
    () => Promise.resolve(logins!),
    'the logins of the row above',
  );
  Object.assign(beside, { peakRssMb: reads.peakRssMb, peakWorkerRssMb: reads.peakWorkerRssMb });
  let n = 0;
  const stamp = Date.now();
  await measure(S.register, () =>
    load({
      url: `${url}/auth/register`,
      method: 'POST',
      headers: json,
      connections: 16,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({
              email: `r${stamp}_${++n}@bench.test`,
              username: `r${stamp}_${n}`,
              password: BENCH_PASSWORD,
            }),
          }),
        },
      ],
    }),
  );
  await measure(S.mix, () =>
    load({
      url,
      requests: [
        {
          setupRequest: (req) => {
            const roll = Math.random();
            if (roll < 0.8) return { ...req, method: 'GET', path: '/auth/me', headers: bearer(reader) };
            if (roll < 0.95) {
              const body = JSON.stringify({ bio: `bio ${Math.random()}` });
              return {
                ...req,
                method: 'PATCH',
                path: '/users/me',
                headers: { ...json, ...bearer(reader) },
                body,
              };
            }
            return {
              ...req,
              method: 'POST',
              path: '/auth/login',
              headers: json,
              body: loginBody('benchadmin'),
            };
          },
        },
      ],
    }),
  );
}
