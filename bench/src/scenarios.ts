import argon2 from 'argon2';
import autocannon from 'autocannon';
import { call } from './http.js';
import { load, SECONDS, summarize, type LoadResult } from './load.js';
import { withPeakRss, type Proc } from './process.js';
import { ARGON2, BENCH_PASSWORD } from './seed.js';

export interface Row extends LoadResult {
  scenario: string;
  peakRssMb?: number;
  note?: string;
}

const json = { 'content-type': 'application/json' };

/** An access token for a seeded user (BENCH_PASSWORD); throws unless the login answers 200. */
export async function login(url: string, username: string): Promise<string> {
  const res = await call(`${url}/auth/login`, 'POST', JSON.stringify({ username, password: BENCH_PASSWORD }));
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return (JSON.parse(res.text) as { access_token: string }).access_token;
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

export async function runScenarios(
  roster: Proc,
  cursors: { deepList: string; deepSearch: string },
): Promise<Row[]> {
  const url = roster.url;
  const reader = await login(url, 'benchreader');
  const admin = await login(url, 'benchadmin');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const rows: Row[] = [];
  const measure = async (scenario: string, run: () => Promise<LoadResult>, note?: string) => {
    const { result, peakRssMb } = await withPeakRss(roster, run);
    rows.push({ scenario, ...result, peakRssMb, ...(note ? { note } : {}) });
    process.stdout.write(
      `  ${scenario}: ${result.rps} req/s, p99 ${result.p99} ms, errors ${result.errors}\n`,
    );
  };

  await measure('auth read REST GET /auth/me', () =>
    load({ url: `${url}/auth/me`, headers: bearer(reader) }),
  );
  await measure('auth read tRPC auth.me', () =>
    load({ url: `${url}/trpc/auth.me`, headers: bearer(reader) }),
  );
  await measure('list GET /users?limit=20', () =>
    load({ url: `${url}/users?limit=20`, headers: bearer(reader) }),
  );
  await measure('admin search q=user1, first page', () =>
    load({ url: `${url}/admin/users?q=user1&limit=20`, headers: bearer(admin) }),
  );
  await measure('admin search q=user1, deep page (cursor halfway)', () =>
    load({ url: `${url}/admin/users?q=user1&limit=20&cursor=${cursors.deepSearch}`, headers: bearer(admin) }),
  );
  await measure('admin list, deep page (cursor halfway)', () =>
    load({ url: `${url}/admin/users?limit=20&cursor=${cursors.deepList}`, headers: bearer(admin) }),
  );
  await measure('login POST /auth/login', () =>
    load({
      url: `${url}/auth/login`,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: 'benchreader', password: BENCH_PASSWORD }),
      connections: 16,
    }),
  );
  let n = 0;
  const stamp = Date.now();
  await measure('registration POST /auth/register', () =>
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
  await measure('mix 80% reads / 15% updates / 5% logins', () =>
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
            const body = JSON.stringify({ username: 'benchadmin', password: BENCH_PASSWORD });
            return { ...req, method: 'POST', path: '/auth/login', headers: json, body };
          },
        },
      ],
    }),
  );
  // Reads while logins saturate the hash pool: both loads at once, the reads' latency is what counts.
  await measure(
    'reads while logins saturate',
    async () => {
      const logins = autocannon({
        url: `${url}/auth/login`,
        method: 'POST',
        headers: json,
        body: JSON.stringify({ username: 'benchadmin', password: BENCH_PASSWORD }),
        connections: 16,
        duration: SECONDS,
      });
      const reads = autocannon({
        url: `${url}/auth/me`,
        headers: bearer(reader),
        connections: 8,
        duration: SECONDS,
      });
      const [, readResult] = await Promise.all([logins, reads]);
      return summarize(readResult);
    },
    'GET /auth/me at 8 connections beside 16 connections of logins',
  );
  return rows;
}
