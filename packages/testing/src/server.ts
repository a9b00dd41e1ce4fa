import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './database.js';

// Packages that must not depend on @roster/server (the SDK, the consumer app) run the BUILT server as a child
// process, exactly as a deployment would: `node apps/server/dist/main.js`.

export const SPAWN_TEST_SECRET = 'spawned-test-secret-key-that-is-long-enough-0123456789';

export interface SpawnedServer {
  /** Base URL from the 'Roster is listening' log line, e.g. http://127.0.0.1:41234 */
  url: string;
  child: ChildProcess;
  database: TestDatabase;
  /** Every JSON log line the server wrote to stdout so far. */
  logs: Record<string, unknown>[];
  /** SIGTERM, wait for exit, then drop the database (unless it was given) and the data folder. Safe twice. */
  close(): Promise<void>;
}

/** Starts the built Roster on an ephemeral port and a database of its own (TEST_DB picks SQLite or PostgreSQL). */
export async function spawnServer(opts: {
  /** The built server entry, e.g. apps/server/dist/main.js. */
  script: string;
  startTimeoutMs?: number;
  env?: Record<string, string>;
  /** Serve this database (several servers can share one); it is left in place on close. Default: a new one. */
  database?: TestDatabase;
}): Promise<SpawnedServer> {
  if (!existsSync(opts.script)) {
    throw new Error(
      `${opts.script} is missing: build first with \`node_modules/.bin/turbo run build\` at the repo root`,
    );
  }
  const database = opts.database ?? (await createTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-spawned-data-'));
  const cleanup = async () => {
    if (!opts.database) await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // A hermetic environment (no inherited NODE_OPTIONS, TEST_DB, …) and a cwd without a .env file.
  const child = spawn(process.execPath, [opts.script], {
    cwd: dataDir,
    env: {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SECRET_KEY: SPAWN_TEST_SECRET,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      // Tests log in far more often than people do; a test about limits turns them back on.
      RATE_LIMIT_ENABLED: 'false',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start within ${opts.startTimeoutMs ?? 30_000} ms\n${stderr}`)),
        opts.startTimeoutMs ?? 30_000,
      );
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() as string;
        for (const line of lines) {
          const entry = parseLogLine(line);
          if (!entry) continue;
          logs.push(entry);
          if (entry.msg === 'Roster is listening' && typeof entry.url === 'string') {
            clearTimeout(timer);
            resolve(entry.url);
          }
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with code ${code} before listening\n${stderr}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await cleanup();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    child,
    database,
    logs,
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        await cleanup();
      })();
      return closing;
    },
  };
}

/** One JSON log line as an object; null for anything else (blank lines, stray output). */
export function parseLogLine(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A port nothing listens on: bind an ephemeral port, then close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
