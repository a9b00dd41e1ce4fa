import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrateDatabase } from '@roster/db';
import { closedPort, createTestDatabase, testDatabaseKind } from '@roster/testing';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readiness } from '../http/ready.js';
import { http, startOnDatabase, startTestServer, type TestServer } from '../test/harness.js';

// GET /health/ready: is this instance able to serve? (database reachable, schema up to date, not shutting down).
// GET /health stays a liveness probe that never touches the database.

const NOT_READY = (detail: string | RegExp) => ({
  detail: typeof detail === 'string' ? detail : expect.stringMatching(detail),
  code: 'SERVICE_UNAVAILABLE',
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('GET /health/ready', () => {
  it('is 200 when the database answers and the schema is up to date', async () => {
    const res = await http(server.url, 'GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${server.url}/health/ready`, { method: 'HEAD' })).status).toBe(200);
    const health = await http(server.url, 'GET', '/health');
    expect(health.body).toEqual({ status: 'healthy', version: expect.any(String) });
  });

  it('is 503 while migrations are pending, 200 once they are applied', async () => {
    const pending = await startOnDatabase(
      await createTestDatabase(),
      {},
      { dropOnClose: true },
      { migrate: false },
    );
    try {
      const res = await http(pending.url, 'GET', '/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual(NOT_READY(/^Database migrations pending: \d+$/));
      expect((await http(pending.url, 'GET', '/health')).status).toBe(200); // alive all the same
      await migrateDatabase(pending.running.db);
      expect((await http(pending.url, 'GET', '/health/ready')).status).toBe(200);
    } finally {
      await pending.close();
    }
  });

  it('is 503 when the database server is unreachable', async () => {
    const port = await closedPort();
    const down = await startOnDatabase(
      {
        kind: 'postgresql',
        url: `postgresql://postgres@127.0.0.1:${port}/roster`,
        drop: async () => undefined,
      },
      {},
      { dropOnClose: false },
      { migrate: false },
    );
    try {
      const res = await http(down.url, 'GET', '/health/ready', { headers: { 'x-request-id': 'probe-down' } });
      expect(res.status).toBe(503);
      expect(res.body).toEqual(NOT_READY('Database unreachable'));
      expect((await http(down.url, 'GET', '/health')).status).toBe(200);
      // The reason is logged (for operators), under the probe's request id.
      expect(down.logs.find((l) => l.msg === 'readiness: database unreachable')).toMatchObject({
        level: 40,
        reqId: 'probe-down',
        err: { message: expect.stringMatching(/ECONNREFUSED/) },
      });
    } finally {
      await down.close();
    }
  });

  it.skipIf(testDatabaseKind() !== 'postgresql')(
    'is 503 once the PostgreSQL database is dropped under a running server',
    async () => {
      const doomed = await startTestServer();
      try {
        expect((await http(doomed.url, 'GET', '/health/ready')).status).toBe(200);
        // DROP DATABASE … WITH (FORCE): terminates the server's connections, and new ones find no database.
        await doomed.database.drop();
        const res = await http(doomed.url, 'GET', '/health/ready');
        expect(res.status).toBe(503);
        expect(res.body).toEqual(NOT_READY('Database unreachable'));
      } finally {
        await doomed.close();
      }
    },
  );

  it('is 503 while the instance drains, and 503 when the database takes too long', async () => {
    const app = new Koa();
    let draining = true;
    app.use(
      readiness({
        db: server.running.db,
        logger: server.running.logger,
        draining: () => draining,
        timeoutMs: 0,
      }),
    );
    const probe = createServer(app.callback());
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    try {
      const res = await http(url, 'GET', '/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual(NOT_READY('Shutting down'));
      draining = false;
      const slow = await http(url, 'GET', '/health/ready');
      expect(slow.status).toBe(503);
      expect(slow.body).toEqual(NOT_READY('Database unreachable'));
    } finally {
      await new Promise((resolve) => probe.close(resolve));
    }
  });
});
