import { closeDatabase, openDatabase, type Database } from '@roster/db';
import { spawnServer, testDatabaseKind, type SpawnedServer } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { account, attempt, sleep, until, type Outcome } from '../test/chaos.js';
import { SERVER_MAIN } from '../test/cluster.js';

// Chaos (b): every PostgreSQL connection of a running server terminated (its pool and its LISTEN connection), twice,
// under steady traffic. Requests get 503 DATABASE_UNAVAILABLE for a moment — never a 500, never SQL in a body,
// never a hang — and the same process serves again without a restart.
//
// PostgreSQL only: there is no server-side connection to terminate with SQLite.

const CLIENTS = 4;
const TERMINATE_ALL = `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
  where datname = current_database() and pid <> pg_backend_pid()`;

describe.skipIf(testDatabaseKind() !== 'postgresql')(
  'chaos: every PostgreSQL connection terminated (skipped on SQLite: PostgreSQL backends)',
  { timeout: 120_000 },
  () => {
    let server: SpawnedServer | undefined;
    let admin: Database | undefined;
    afterAll(async () => {
      if (admin) await closeDatabase(admin);
      await server?.close();
    });

    it('answers 503 for a moment, then serves again in the same process', async () => {
      server = await spawnServer({ script: SERVER_MAIN });
      const url = server.url;
      const pid = server.child.pid;
      admin = await openDatabase(server.database.url);
      const people = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => account(url, `pgkill${i}`)));

      const outcomes: Outcome[] = [];
      let stop = false;
      // Each client: a profile write and a read of someone's profile, over and over (bounded in count and time).
      const traffic = people.map(async (who, i) => {
        for (let n = 0; n < 400 && !stop; n++) {
          outcomes.push(
            await attempt(url, 'PUT', '/users/me', { token: who.token, json: { bio: `${i}:${n}` } }),
          );
          outcomes.push(
            await attempt(url, 'GET', `/users/${people[(i + 1) % CLIENTS]!.id}`, { token: who.token }),
          );
        }
      });
      const deadline = Date.now() + 20_000;
      for (let round = 0; round < 2; round++) {
        await sleep(400);
        const [row] = await admin.orm.em.getConnection().execute<{ n: number }[]>(TERMINATE_ALL);
        expect(row?.n).toBeGreaterThan(0);
      }
      await sleep(1_500);
      stop = true;
      await Promise.all(traffic);
      expect(Date.now()).toBeLessThan(deadline);

      expect(outcomes.filter((o) => o.error)).toEqual([]);
      const statuses = new Set(outcomes.map((o) => o.status));
      for (const status of statuses) expect([200, 503]).toContain(status);
      for (const o of outcomes.filter((x) => x.status === 503)) {
        expect(o.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      }
      expect(JSON.stringify(outcomes)).not.toMatch(/select |update |insert |pg_|57P01|terminat/i);
      expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(6_000);

      // The same process, serving again: writes, readiness and the invalidation bus.
      expect(server.child.exitCode).toBeNull();
      expect(server.child.pid).toBe(pid);
      await until(
        'readiness is 200',
        async () => (await attempt(url, 'GET', '/health/ready')).status === 200,
      );
      const after = await attempt(url, 'PUT', '/users/me', {
        token: people[0]!.token,
        json: { bio: 'after' },
      });
      expect(after.status).toBe(200);
      expect(server.logs.some((l) => l.msg === 'database connection error')).toBe(true);
      expect(server.logs.filter((l) => l.msg === 'request' && l.status === 500)).toEqual([]);
    });
  },
);
