import { testDatabaseKind } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, registerAndLogin } from '../test/accounts.js';
import { http, startTestServer, type TestServer } from '../test/harness.js';

// PostgreSQL's bounds on a real server: an exhausted pool answers 503 DATABASE_UNAVAILABLE within the acquire
// timeout (never a hang) and readiness fails meanwhile; every connection of the server terminated, requests get
// 503 for a moment, never a 500 or SQL, and the server serves again without a restart.
//
// PostgreSQL only: SQLite has one connection in the process and no server to terminate it.

interface Knex {
  client: {
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<unknown>;
  };
}

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'database faults on a real server (skipped on SQLite: PostgreSQL pool and backends)',
  () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ DATABASE_ACQUIRE_TIMEOUT_MS: '400' });
    });
    afterAll(() => server?.close());

    it('answers 503 DATABASE_UNAVAILABLE while the pool is exhausted, with readiness failing, then recovers', async () => {
      const { token } = await registerAndLogin(server, 'pool');
      const knex = (server.running.db.orm.em.getConnection() as unknown as { getKnex(): Knex }).getKnex();
      const held: unknown[] = [];
      // Every connection of the pool taken (default 10), as by requests stuck in long transactions.
      for (let i = 0; i < 10; i++) held.push(await knex.client.acquireConnection());
      try {
        const started = Date.now();
        const [update, ready] = await Promise.all([
          http(server.url, 'PUT', '/users/me', { token, json: { bio: 'while exhausted' } }),
          http(server.url, 'GET', '/health/ready'),
        ]);
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(update.status).toBe(503);
        expectErrorBody(update.body, 'DATABASE_UNAVAILABLE');
        expect(update.headers.get('retry-after')).toBe('1');
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({ detail: 'Database unreachable', code: 'SERVICE_UNAVAILABLE' });
        const trpc = await http<{ error: { data: Record<string, unknown> } }>(
          server.url,
          'POST',
          '/trpc/users.updateMe',
          { token, json: { bio: 'while exhausted' } },
        );
        expect(trpc.status).toBe(503);
        expect(trpc.body.error.data).toMatchObject({
          code: 'DATABASE_UNAVAILABLE',
          httpStatus: 503,
          retryAfter: 1,
        });
      } finally {
        for (const connection of held) await knex.client.releaseConnection(connection);
      }
      expect((await http(server.url, 'GET', '/health/ready')).status).toBe(200);
      const after = await http(server.url, 'PUT', '/users/me', { token, json: { bio: 'after' } });
      expect(after.status).toBe(200);
      expect(server.rawLogs()).not.toMatch(/while exhausted|update "users"/);
    });

    it('answers 503 (never 500) when its connections are terminated, and serves again without a restart', async () => {
      const { token } = await registerAndLogin(server, 'terminated');
      // Warm the pool: several idle connections, as after traffic.
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          http(server.url, 'PUT', '/users/me', { token, json: { bio: `w${i}` } }),
        ),
      );
      const admin = server.running.db.orm.em.fork().getConnection();
      const statuses: number[] = [];
      const slow = http(server.url, 'PUT', '/users/me', { token, json: { bio: 'racing' } });
      const [killed] = await admin.execute<{ n: number }[]>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()`,
      );
      expect(killed?.n).toBeGreaterThan(0);
      statuses.push((await slow).status);
      for (let i = 0; i < 20; i++) {
        const started = Date.now();
        const res = await http(server.url, 'PUT', '/users/me', { token, json: { bio: `after ${i}` } });
        expect(Date.now() - started).toBeLessThan(6_000);
        statuses.push(res.status);
        if (res.status !== 200) expectErrorBody(res.body, 'DATABASE_UNAVAILABLE');
        if (res.status === 200 && i > 2) break;
      }
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(statuses.at(-1)).toBe(200);
      await expect.poll(async () => (await http(server.url, 'GET', '/health/ready')).status).toBe(200);
      expect(server.logs.some((l) => l.msg === 'database connection error')).toBe(true);
    });
  },
);
