#!/usr/bin/env node
// The two Quick start commands: `npm start` and `npm test`. Node >= 20.19 and npm are all they need:
// pnpm (pinned by package.json's packageManager) is installed locally under .tools when it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = pkg.packageManager.split('@')[1];
const toolsBin = join(root, '.tools', 'node_modules', '.bin');
const env = { ...process.env, PATH: `${toolsBin}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}` };
// node-gyp cannot download Node's headers here; build native addons (argon2, sqlite3) against the local ones.
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr';

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, ...opts.env } });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(cmd, args, opts) {
  const status = run(cmd, args, opts);
  if (status !== 0) {
    console.error(`\n✗ ${cmd} ${args.join(' ')} failed (exit ${status})`);
    process.exit(status);
  }
}

function ensurePnpm() {
  const probe = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === pnpmVersion) return;
  console.log(`• installing pnpm ${pnpmVersion} into .tools`);
  must('npm', ['install', '--prefix', join(root, '.tools'), `pnpm@${pnpmVersion}`, '--no-audit', '--no-fund', '--loglevel=error']);
}

function ensureInstalled() {
  ensurePnpm();
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('• installing dependencies (pnpm install --frozen-lockfile)');
  must('pnpm', ['install', '--frozen-lockfile']);
}

/** A TCP probe of the PostgreSQL test server (TEST_PG_URL, default 127.0.0.1:5432). */
function postgresReachable() {
  const url = new URL(process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 5432) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const command = process.argv[2];
ensureInstalled();

if (command === 'start') {
  must('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@roster/server...', '--output-logs=errors-only']);
  // Migrations are applied by the server at start-up (and by `pnpm db:migrate`).
  process.exit(run('node', ['apps/server/dist/main.js']));
} else if (command === 'dev') {
  must('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@roster/server...', '--output-logs=errors-only']);
  process.exit(run('pnpm', ['exec', 'turbo', 'watch', 'build', 'dev', '--filter=@roster/server...']));
} else if (command === 'test') {
  // Type-level tests (the SDK's) and lint run before any database does.
  must('pnpm', ['exec', 'turbo', 'run', 'build', 'typecheck', 'lint', '--output-logs=errors-only']);
  const legs = ['sqlite'];
  const requirePg = process.env.CI === 'true' || process.env.REQUIRE_POSTGRES === 'true';
  if (await postgresReachable()) legs.push('postgresql');
  else if (requirePg) {
    console.error('\n✗ PostgreSQL is unreachable (127.0.0.1:5432) and CI=true: the PostgreSQL leg is required.');
    process.exit(1);
  }
  const results = [];
  for (const leg of legs) {
    console.log(`\n════════ tests on ${leg} ════════`);
    const status = run('pnpm', ['exec', 'turbo', 'run', 'test', '--concurrency=1', ...process.argv.slice(3)], {
      env: { TEST_DB: leg },
    });
    results.push([leg, status]);
  }
  console.log('\n════════ summary ════════');
  for (const [leg, status] of results) console.log(`${leg}: ${status === 0 ? 'passed' : 'FAILED'}`);
  if (!legs.includes('postgresql')) {
    console.log('postgresql: SKIPPED — PostgreSQL was unreachable at 127.0.0.1:5432 (set CI=true to make this fail)');
  }
  process.exit(results.some(([, s]) => s !== 0) ? 1 : 0);
} else {
  console.error('usage: node scripts/run.mjs start|dev|test');
  process.exit(2);
}
