import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDatabase, openDatabase } from '@roster/db';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './infra/config.js';
import { startServer } from './server.js';
import { TEST_SECRET } from './test/harness.js';

// The built entry points, run as real processes: exit codes, signals and start-up logging live here.
// Each child loads the whole stack (MikroORM, drivers), which takes seconds on a busy machine.
const SPAWN = { timeout: 120_000 };
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const MAIN = join(DIST, 'main.js');
const CLI = join(DIST, 'cli.js');

interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Parsed JSON log lines from stdout. */
  logs(): Record<string, unknown>[];
  /** Settles on 'close', after the output has been read to the end. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let database: TestDatabase;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(MAIN) || !existsSync(CLI)) {
    throw new Error('apps/server/dist is missing: run `node_modules/.bin/turbo run build` first');
  }
  database = await createTestDatabase();
});
afterAll(() => database.drop());

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-startup-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs a built entry point with exactly `env` (plus PATH), in the temp data folder so no .env is picked up. */
function start(script: string, env: Record<string, string>, args: string[] = []): Proc {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const logs = () =>
    out
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, stdout: () => out, stderr: () => err, logs, exited };
}

const serverEnv = (over: Record<string, string> = {}) => ({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
  DATABASE_URL: database.url,
  SECRET_KEY: TEST_SECRET,
  DATA_DIR: dataDir,
  ...over,
});

/** Resolves with the URL from the 'Roster is listening' line; rejects if the process exits first. */
async function listening(proc: Proc, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (;;) {
    const line = proc.logs().find((l) => l.msg === 'Roster is listening');
    if (line) return line.url as string;
    if (exited || Date.now() > deadline) {
      throw new Error(`server did not start:\n${proc.stdout()}\n${proc.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('node dist/main.js', SPAWN, () => {
  it('listens, answers /health, and exits 0 on SIGTERM', async () => {
    const proc = start(MAIN, serverEnv());
    const url = await listening(proc);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const line = proc.logs().find((l) => l.msg === 'Roster is listening');
    expect(line).toMatchObject({
      level: 30,
      service: 'roster',
      docs: `${url}/docs`,
      database: database.kind,
    });

    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'healthy', version: expect.any(String) });

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.logs()).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM' }));
    expect(proc.stderr()).toBe('');
    expect(proc.stdout()).not.toContain(TEST_SECRET);
  });

  it('in development without SECRET_KEY, generates secret.key (0600) and warns without logging the secret', async () => {
    // Development logs are pretty by default; JSON here so the lines can be read back.
    const env = serverEnv({ NODE_ENV: 'development', LOG_FORMAT: 'json' });
    delete (env as Partial<typeof env>).SECRET_KEY;
    const proc = start(MAIN, env);
    await listening(proc);

    const file = join(dataDir, 'secret.key');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    expect(Buffer.byteLength(secret)).toBeGreaterThanOrEqual(32);

    const warning = proc.logs().find((l) => l.level === 40);
    expect(warning?.msg).toMatch(/SECRET_KEY is not set/);
    expect(warning?.msg).toContain('secret.key');
    expect(proc.stdout()).not.toContain(secret);

    proc.child.kill('SIGINT');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.logs()).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGINT' }));

    // The next start reuses the stored secret quietly.
    const again = start(MAIN, env);
    await listening(again);
    expect(again.logs().filter((l) => l.level === 40)).toEqual([]);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('exits 1 naming SECRET_KEY in production without one', async () => {
    const env = serverEnv({ NODE_ENV: 'production' });
    delete (env as Partial<typeof env>).SECRET_KEY;
    const proc = start(MAIN, env);
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toContain('SECRET_KEY');
    expect(proc.stdout()).not.toContain('Roster is listening');
    expect(existsSync(join(dataDir, 'secret.key'))).toBe(false);
  });

  it('exits 1 naming METRICS_TOKEN in production without one (nor METRICS_PUBLIC=true)', async () => {
    const proc = start(MAIN, serverEnv({ NODE_ENV: 'production' }));
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toContain('METRICS_TOKEN: required when NODE_ENV=production');
    expect(proc.stdout()).not.toContain('Roster is listening');
  });

  it.each([['abc'], ['70000']])('exits 1 naming PORT when PORT=%s', async (port) => {
    const proc = start(MAIN, serverEnv({ PORT: port }));
    expect(await proc.exited).toEqual({ code: 1, signal: null });
    expect(proc.stderr()).toMatch(/^Invalid configuration:\n {2}PORT: /);
    expect(proc.stdout()).toBe('');
  });

  it('exits non-zero when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as { port: number };
      const proc = start(MAIN, serverEnv({ PORT: String(port) }));
      const { code } = await proc.exited;
      expect(code).not.toBe(0);
      expect(proc.stderr()).toContain('EADDRINUSE');
      expect(proc.stdout()).not.toContain('Roster is listening');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('node dist/cli.js', SPAWN, () => {
  it('prints usage and exits 0 without a command, 2 for an unknown one', async () => {
    const usage = start(CLI, {});
    expect((await usage.exited).code).toBe(0);
    expect(usage.stdout()).toMatch(/^Usage: roster/);

    const unknown = start(CLI, {}, ['nope']);
    expect((await unknown.exited).code).toBe(2);
    expect(unknown.stderr()).toMatch(/^Usage: roster/);
  });

  it('migrates a fresh database and sets the exit code of migrate:status', async () => {
    const fresh = await createTestDatabase();
    try {
      const env = { DATABASE_URL: fresh.url, SECRET_KEY: TEST_SECRET, DATA_DIR: dataDir };
      const pending = start(CLI, env, ['migrate:status']);
      expect((await pending.exited).code).toBe(1);
      expect(pending.stdout()).toMatch(/^Pending: /);

      const migrate = start(CLI, env, ['migrate']);
      expect((await migrate.exited).code).toBe(0);
      expect(migrate.stdout()).toMatch(/^Applied: /);
      // migrate:status on an up-to-date database (exit 0) is covered in-process by cli.test.ts.
    } finally {
      await fresh.drop();
    }
  });
});

describe('startServer (in process)', () => {
  const config = (over: Record<string, string> = {}) =>
    loadConfig({ ...serverEnv({ LOG_LEVEL: 'silent' }), ...over });

  it.each([
    ['0.0.0.0', /^http:\/\/127\.0\.0\.1:\d+$/],
    ['::1', /^http:\/\/\[::1\]:\d+$/],
  ])('on HOST=%s reports a URL clients can use', async (host, url) => {
    // No logger given: startServer makes its own from the config (silent here).
    const running = await startServer(config({ HOST: host }));
    try {
      expect(running.url).toMatch(url);
      expect((await fetch(`${running.url}/health`)).status).toBe(200);
    } finally {
      await running.close();
    }
    await running.close(); // closing twice is harmless
  });

  it('leaves the schema alone with migrate: false', async () => {
    const fresh = await createTestDatabase();
    try {
      const running = await startServer(config({ DATABASE_URL: fresh.url }), { migrate: false });
      try {
        const res = await fetch(`${running.url}/health`);
        expect(res.status).toBe(200);
        expect(await running.db.orm.getMigrator().getPendingMigrations()).not.toEqual([]);
      } finally {
        await running.close();
      }
    } finally {
      await fresh.drop();
    }
  });

  it('rejects when a migration fails', async () => {
    const fresh = await createTestDatabase();
    try {
      const db = await openDatabase(fresh.url);
      await db.orm.em.getConnection().execute('create table users (id integer)');
      await closeDatabase(db);
      await expect(startServer(config({ DATABASE_URL: fresh.url }))).rejects.toThrow(/users/);
    } finally {
      await fresh.drop();
    }
  });
});
