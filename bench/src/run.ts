// pnpm bench: Roster's production build on loopback, on SQLite and on PostgreSQL, beside this machine's ceiling.
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDatabase, closeDatabase } from '@roster/db';
import { load } from './load.js';
import { rosterEnv, startProcess, startRoster, withPeakRss } from './process.js';
import { rawArgon2Rate, runScenarios, type Row } from './scenarios.js';
import { pgDatabase, seed } from './seed.js';
import { report } from './report.js';

const ANALYSIS_MARKER = '<!-- analysis: kept by pnpm bench -->';
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = fileURLToPath(new URL('../.work', import.meta.url));
const serverMain = `${root}apps/server/dist/main.js`;

function cursor(sort: string, value: string, id: number): string {
  return Buffer.from(JSON.stringify([sort, value, id])).toString('base64url');
}

/** Keyset cursors for a deep page, read straight from the database. */
async function deepCursors(databaseUrl: string) {
  const db = await openDatabase(databaseUrl);
  const conn = db.orm.em.getConnection();
  const at = async (where: string, offset: number) => {
    const [row] = await conn.execute<{ id: number; created_at: number | Date }[]>(
      `select id, created_at from users ${where} order by created_at desc, id desc limit 1 offset ${offset}`,
    );
    return cursor('created_at:desc', new Date(row!.created_at).toISOString(), row!.id);
  };
  // Halfway down the whole list, and halfway down the ~11% of users whose email contains "user1".
  const result = {
    deepList: await at('', Math.floor(USERS / 2)),
    deepSearch: await at("where email like '%user1%'", Math.floor(USERS / 20)),
  };
  await closeDatabase(db);
  return result;
}

async function main() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(`Roster bench on ${machine}; ${USERS.toLocaleString('en')} users\n`);

  const ceiling = await startProcess(fileURLToPath(new URL('./ceiling.ts', import.meta.url)), process.env);
  const { result: bare, peakRssMb: bareRss } = await withPeakRss(ceiling, () => load({ url: ceiling.url }));
  await ceiling.stop();
  process.stdout.write(`  ceiling: ${bare.rps} req/s, p99 ${bare.p99} ms\n`);
  const argon2Rate = await rawArgon2Rate();
  process.stdout.write(`  raw argon2 verify: ${argon2Rate}/s\n`);

  const results: Record<string, Row[]> = {};
  const kinds = (process.env.BENCH_DBS ?? 'sqlite,postgresql').split(',') as ('sqlite' | 'postgresql')[];
  for (const kind of kinds) {
    const databaseUrl =
      kind === 'sqlite' ? `sqlite:${work}/bench.db` : (await pgDatabase('roster_bench')).url;
    process.stdout.write(`\n${kind}: seeding ${USERS} users…\n`);
    await seed(databaseUrl, USERS, kind);
    const cursors = await deepCursors(databaseUrl);
    const roster = await startRoster(serverMain, rosterEnv(databaseUrl, work));
    try {
      results[kind] = await runScenarios(roster, cursors);
    } finally {
      await roster.stop();
    }
  }
  const out = report({
    machine,
    users: USERS,
    ceiling: { ...bare, peakRssMb: bareRss },
    argon2Rate,
    results,
  });
  writeFileSync(`${root}bench/results.json`, JSON.stringify(out.json, null, 2) + '\n');
  // The hand-written analysis below the marker survives a new run; the tables above it are replaced.
  const reportFile = `${root}bench/REPORT.md`;
  const previous = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
  const analysis = previous.includes(ANALYSIS_MARKER)
    ? previous.slice(previous.indexOf(ANALYSIS_MARKER))
    : '';
  writeFileSync(reportFile, analysis ? `${out.markdown}\n${analysis}` : out.markdown);
  process.stdout.write(`\n${out.markdown}\n`);
}

await main();
