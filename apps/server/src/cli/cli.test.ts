import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { TEST_SECRET } from '../test/harness.js';

/** A stream that keeps what is written to it. */
function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(...argv: string[]) {
  const out = capture();
  const err = capture();
  // runCli's stream parameters are typed from their process.stdout/stderr defaults; any Writable will do.
  type Out = Parameters<typeof runCli>[1];
  type Err = Parameters<typeof runCli>[2];
  const code = await runCli(argv, out.stream as unknown as Out, err.stream as unknown as Err);
  return { code, out: out.text(), err: err.text() };
}

// runCli reads its configuration from process.env (and a .env in the working directory), like the real binary.
const VARS = ['DATABASE_URL', 'SECRET_KEY', 'DATA_DIR', 'NODE_ENV', 'LOG_LEVEL', 'PORT'] as const;
let saved: Partial<Record<(typeof VARS)[number], string | undefined>>;
let savedCwd: string;
let workDir: string;
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

beforeEach(() => {
  saved = Object.fromEntries(VARS.map((name) => [name, process.env[name]]));
  savedCwd = process.cwd();
  workDir = mkdtempSync(join(tmpdir(), 'roster-cli-'));
  // A working directory of our own, so a developer's .env cannot leak into the test.
  process.chdir(workDir);
  for (const name of VARS) delete process.env[name];
  process.env.DATABASE_URL = database.url;
  process.env.SECRET_KEY = TEST_SECRET;
  process.env.DATA_DIR = join(workDir, 'data');
});
afterEach(() => {
  process.chdir(savedCwd);
  for (const name of VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(workDir, { recursive: true, force: true });
});

describe('roster (no database)', () => {
  it('prints usage on stdout and exits 0 without a command', async () => {
    const { code, out, err } = await run();
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: roster <command>/);
    expect(out).toContain('migrate:status');
    expect(err).toBe('');
  });

  it('prints usage on stderr and exits 2 for an unknown command', async () => {
    const { code, out, err } = await run('serve');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^Usage: roster <command>/);
  });

  it('reports a configuration error naming the variable and exits 2', async () => {
    process.env.DATABASE_URL = 'mysql://x';
    const { code, out, err } = await run('migrate');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('DATABASE_URL: must start with sqlite: or postgresql://');
  });

  it('lets errors other than configuration errors propagate', async () => {
    // No SECRET_KEY and a DATA_DIR that cannot be created: the generated secret cannot be stored.
    writeFileSync(join(workDir, 'file'), '');
    delete process.env.SECRET_KEY;
    process.env.DATA_DIR = join(workDir, 'file', 'data');
    await expect(run('set-role', 'nobody', 'user')).rejects.toThrow(/ENOTDIR/);
  });

  it('reads .env from the working directory, real variables winning', async () => {
    writeFileSync(join(workDir, '.env'), 'LOG_LEVEL=loud\nDATABASE_URL=mysql://from-dotenv\n');
    const { code, err } = await run('migrate:status');
    expect(code).toBe(2);
    expect(err).toContain('LOG_LEVEL: ');
    expect(err).not.toContain('DATABASE_URL');
  });
});

describe('roster migrate', () => {
  it('reports pending migrations, applies them once, then reports up to date', async () => {
    const before = await run('migrate:status');
    expect(before.code).toBe(1);
    expect(before.out).toMatch(/^Pending: \S+/);
    expect(before.err).toBe('');
    const pending = before.out
      .replace(/^Pending: /, '')
      .trim()
      .split(', ');
    expect(pending.length).toBeGreaterThan(0);

    const first = await run('migrate');
    expect(first.code).toBe(0);
    expect(first.out).toBe(`Applied: ${pending.join(', ')}\n`);
    expect(first.err).toBe('');

    const second = await run('migrate');
    expect(second.code).toBe(0);
    expect(second.out).toBe('Nothing to apply: the schema is up to date.\n');

    const after = await run('migrate:status');
    expect(after.code).toBe(0);
    expect(after.out).toBe('Up to date.\n');
  });
});
