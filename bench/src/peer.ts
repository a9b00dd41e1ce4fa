// The Better Auth peer (bench/peers/better-auth): its get-session with a bearer token, with its cookie cache and
// the cookies, and its email sign-in — same load tool and connections as Roster's /auth/me and /auth/login.
import { fileURLToPath } from 'node:url';
import { call } from './http.js';
import { load } from './load.js';
import { bearer, json, recorder, type Row } from './measure.js';
import { startProcess, type Proc } from './process.js';
import { BENCH_PASSWORD } from './seed.js';
import { pgDatabase } from './seed.js';

export const PEER = {
  getSession: 'Better Auth GET /api/auth/get-session (bearer)',
  getSessionCached: 'Better Auth GET /api/auth/get-session (cookie cache, cookies)',
  signIn: 'Better Auth POST /api/auth/sign-in/email',
} as const;

const peerDir = fileURLToPath(new URL('../peers/better-auth/', import.meta.url));

async function startPeer(databaseUrl: string, cookieCache: boolean): Promise<Proc> {
  return startProcess(
    `${peerDir}src/server.ts`,
    {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PEER_DATABASE_URL: databaseUrl,
      PEER_COOKIE_CACHE: String(cookieCache),
    },
    peerDir,
  );
}

const email = (i: number) => `peer${i}@bench.test`;

/** Its own sign-up API, `count` accounts, 8 at a time (its password hash is scrypt, so this takes a while). */
async function seedPeer(url: string, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        const body = JSON.stringify({ email: email(i), password: BENCH_PASSWORD, name: `Peer User ${i}` });
        const res = await call(`${url}/api/auth/sign-up/email`, 'POST', body);
        if (res.status !== 200) throw new Error(`Better Auth sign-up: ${res.status} ${res.text}`);
      }
    }),
  );
}

/** Signs in; the bearer token (set-auth-token) and the cookies it set, as a Cookie header. */
async function signIn(url: string): Promise<{ token: string; cookie: string }> {
  const res = await call(
    `${url}/api/auth/sign-in/email`,
    'POST',
    JSON.stringify({ email: email(0), password: BENCH_PASSWORD }),
  );
  const token = res.headers['set-auth-token'];
  if (res.status !== 200 || typeof token !== 'string') throw new Error(`Better Auth sign-in: ${res.status}`);
  const setCookie = res.headers['set-cookie'] ?? [];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie]).map((c) => c.split(';')[0]).join('; ');
  return { token, cookie };
}

/** get-session answers 200 with `null` for no session: make sure this one is the signed-in user's. */
async function assertSession(url: string, headers: Record<string, string>) {
  const res = await call(`${url}/api/auth/get-session`, 'GET', undefined, headers);
  if (res.status !== 200 || !res.text.includes(email(0)))
    throw new Error(
      `Better Auth get-session did not answer the session: ${res.status} ${res.text.slice(0, 200)}`,
    );
}

export async function runPeer(users: number, database: string): Promise<Row[]> {
  const rows: Row[] = [];
  const { url: databaseUrl } = await pgDatabase(database);
  process.stdout.write(`\nBetter Auth peer: seeding ${users} users through its sign-up API…\n`);
  let peer = await startPeer(databaseUrl, false);
  try {
    await seedPeer(peer.url, users);
    const { token } = await signIn(peer.url);
    await assertSession(peer.url, bearer(token));
    const measure = recorder(peer, rows);
    await measure(PEER.getSession, () =>
      load({ url: `${peer.url}/api/auth/get-session`, headers: bearer(token) }),
    );
    await measure(
      PEER.signIn,
      () =>
        load({
          url: `${peer.url}/api/auth/sign-in/email`,
          method: 'POST',
          headers: json,
          body: JSON.stringify({ email: email(0), password: BENCH_PASSWORD }),
          connections: 16,
        }),
      'scrypt (its own hash)',
    );
  } finally {
    await peer.stop();
  }
  peer = await startPeer(databaseUrl, true);
  try {
    const { cookie } = await signIn(peer.url);
    await assertSession(peer.url, { cookie });
    await recorder(peer, rows)(PEER.getSessionCached, () =>
      load({ url: `${peer.url}/api/auth/get-session`, headers: { cookie } }),
    );
  } finally {
    await peer.stop();
  }
  return rows;
}
