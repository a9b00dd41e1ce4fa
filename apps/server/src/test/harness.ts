import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { loadConfig, type Config } from '../infra/config.js';
import { createLogger } from '../infra/logger.js';
import { startServer, type RunningServer, type StartOptions } from '../server.js';

export const TEST_SECRET = 'test-secret-key-that-is-long-enough-0123456789';

export interface TestServer {
  url: string;
  config: Config;
  running: RunningServer;
  database: TestDatabase;
  /** Every log line the server wrote, as parsed JSON. */
  logs: Record<string, unknown>[];
  /** The raw log output, for searching for leaked secrets. */
  rawLogs(): string;
  close(): Promise<void>;
}

/** A real Roster on an ephemeral port, on a database of its own (TEST_DB picks SQLite or PostgreSQL). */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  return startOnDatabase(await createTestDatabase(), env, { dropOnClose: true });
}

/**
 * A real Roster on a given database. With `dropOnClose: false` (a restart on an existing database) `close()`
 * stops the server and leaves the database in place.
 */
export async function startOnDatabase(
  database: TestDatabase,
  env: Record<string, string> = {},
  opts: { dropOnClose: boolean } = { dropOnClose: false },
  startOptions: Omit<StartOptions, 'logger'> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roster-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: database.url,
    SECRET_KEY: TEST_SECRET,
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    // Tests register and log in far more often than people do; the rate-limit tests turn limits back on.
    RATE_LIMIT_ENABLED: 'false',
    ...env,
  });
  const chunks: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      chunks.push(text);
      for (const line of text.split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // The production logger (redaction, request scope) writing into the capture.
  const logger = createLogger(config, sink);
  const running = await startServer(config, { logger, ...startOptions });
  return {
    url: running.url,
    config,
    running,
    database,
    logs,
    rawLogs: () => chunks.join(''),
    async close() {
      await running.close();
      if (opts.dropOnClose) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch, with a JSON body in and the parsed body out. */
export async function http<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  opts: {
    json?: unknown;
    form?: Record<string, string>;
    token?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}
