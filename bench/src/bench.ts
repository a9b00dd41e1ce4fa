// One bench run: the ceilings, the Better Auth peer, then each database's leg against them.
import { cpus, totalmem } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDatabase, closeDatabase } from '@roster/db';
import { runCores } from './cores.js';
import { benchConfig, load, type LoadTool } from './load.js';
import { recorder, type Row } from './measure.js';
import { runPeer } from './peer.js';
import { rosterEnv, startProcess, startRoster, withPeakRss } from './process.js';
import { runReads } from './reads.js';
import { rawArgon2Rate, runLists, runWrites } from './scenarios.js';
import { pgDatabase, seed } from './seed.js';
import { wrkLoad } from './wrk.js';
import type { BenchInput, Leg } from './targets.js';

export type DbKind = 'sqlite' | 'postgresql';

export interface BenchOptions {
  users: number;
  kinds: DbKind[];
  /** Accounts the Better Auth peer gets through its sign-up API; 0 skips the peer. */
  peerUsers: number;
  /** Scratch directory (SQLite files, server data); emptied first. */
  work: string;
  argon2Ms: number;
  command: string;
  /** Name prefix of the PostgreSQL databases it creates (and drops). */
  pgPrefix: string;
  /** Load generators for the every-core rows: autocannon, and wrk where installed (see wrk.ts). */
  tools?: LoadTool[];
}

const root = fileURLToPath(new URL('../..', import.meta.url));
export const serverMain = `${root}apps/server/dist/main.js`;

function cursor(sort: string, value: string, id: number): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
}

/** Keyset cursors for a deep page, read straight from the database, and how many users the search term matches. */
async function deepCursors(databaseUrl: string, users: number) {
  const db = await openDatabase(databaseUrl);
  const conn = db.orm.em.getConnection();
  const at = async (where: string, offset: number) => {
    const [row] = await conn.execute<{ id: number; created_at: number | Date }[]>(
      `select id, created_at from users ${where} order by created_at desc, id desc limit 1 offset ${offset}`,
    );
    return cursor('created_at:desc', new Date(row!.created_at).toISOString(), row!.id);
  };
  const count = async (where: string) => {
    const [row] = await conn.execute<{ n: number | string }[]>(`select count(*) as n from users ${where}`);
    return Number(row!.n);
  };
  // Halfway down the whole list, and halfway down the ~11% of users whose email contains "user1".
  const result = {
    deepList: await at('', Math.floor(users / 2)),
    deepSearch: await at("where email like '%user1%'", Math.floor(users / 20)),
    search: { matches: await count("where email like '%user1%'"), total: await count('') },
  };
  await closeDatabase(db);
  return result;
}

export const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

async function runLeg(kind: DbKind, opts: BenchOptions): Promise<Leg> {
  const databaseUrl =
    kind === 'sqlite' ? `sqlite:${opts.work}/bench.db` : (await pgDatabase(`${opts.pgPrefix}`)).url;
  process.stdout.write(`\n${kind}: seeding ${opts.users} users…\n`);
  await seed(databaseUrl, opts.users, kind);
  const { search, ...cursors } = await deepCursors(databaseUrl, opts.users);
  const start = (extra: NodeJS.ProcessEnv) =>
    startRoster(serverMain, rosterEnv(databaseUrl, opts.work, { WEB_CONCURRENCY: '1', ...extra }));
  const rows: Row[] = [];
  let revocation;
  const roster = await start({});
  try {
    const measure = recorder(roster, rows);
    revocation = await runReads(roster.url, measure, opts.users);
    await runLists(roster.url, measure, cursors);
  } finally {
    await roster.stop();
  }
  // Logins on a fresh server: its memory is then what logins take, not what 100k-row lists left in the heap.
  const writer = await start({});
  try {
    await runWrites(writer.url, recorder(writer, rows));
  } finally {
    await writer.stop();
  }
  process.stdout.write(`  every core:\n`);
  const cores = await runCores(start, opts.tools);
  return { rows, revocation, cores, search };
}

export async function runBench(opts: BenchOptions): Promise<BenchInput> {
  rmSync(opts.work, { recursive: true, force: true });
  mkdirSync(opts.work, { recursive: true });
  const started = new Date();
  process.stdout.write(`Roster bench on ${machine()}; ${opts.users.toLocaleString('en')} users\n`);

  const ceiling = await startProcess(fileURLToPath(new URL('./ceiling.ts', import.meta.url)), process.env);
  const { result: bare, peakRssMb: bareRss } = await withPeakRss(ceiling, () => load({ url: ceiling.url }));
  process.stdout.write(`  ceiling: ${bare.rps} req/s, p99 ${bare.p99} ms\n`);
  // The same ceiling under wrk, for the every-core rows measured with it.
  const bareWrk = opts.tools?.includes('wrk') ? await wrkLoad(ceiling.url) : undefined;
  if (bareWrk) process.stdout.write(`  ceiling (wrk): ${bareWrk.rps} req/s, p99 ${bareWrk.p99} ms\n`);
  await ceiling.stop();
  const argon2Rate = await rawArgon2Rate(opts.argon2Ms);
  process.stdout.write(`  raw argon2 verify: ${argon2Rate}/s\n`);
  const peer = opts.peerUsers > 0 ? await runPeer(opts.peerUsers, `${opts.pgPrefix}_better_auth`) : [];

  const legs: Record<string, Leg> = {};
  for (const kind of opts.kinds) legs[kind] = await runLeg(kind, opts);
  return {
    date: started.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    command: opts.command,
    machine: machine(),
    users: opts.users,
    seconds: benchConfig.seconds,
    ceiling: { ...bare, peakRssMb: bareRss },
    ...(bareWrk ? { ceilingWrk: bareWrk } : {}),
    argon2Rate,
    peer,
    peerUsers: opts.peerUsers,
    legs,
  };
}
