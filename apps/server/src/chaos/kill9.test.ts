import { createTestDatabase, spawnServer, type SpawnedServer, type TestDatabase } from '@roster/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { newAccount, type NewAccount } from '../test/accounts.js';
import { account, attempt, loginToken, sleep, type Account } from '../test/chaos.js';
import { SERVER_MAIN } from '../test/cluster.js';

// Chaos (a): kill -9 of the server in the middle of a burst of registrations and profile writes. After a restart
// on the same database, every change that was acknowledged (2xx) is there: an acknowledged registration logs in,
// and each profile shows the last acknowledged write or a later one (a write whose answer was lost may have
// landed). Runs on both legs (SQLite's WAL and PostgreSQL's commit are what is tested).

const WRITERS = 4;
const REGISTRATIONS = 30;
const WRITES_PER_WRITER = 200;

describe('chaos: kill -9 during a burst of writes', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  const servers: SpawnedServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    await database?.drop();
  });

  it('keeps every acknowledged registration and profile write across the crash', async () => {
    database = await createTestDatabase();
    const first = await spawnServer({ script: SERVER_MAIN, database });
    servers.push(first);
    const writers: Account[] = [];
    for (let i = 0; i < WRITERS; i++) writers.push(await account(first.url, `kill9w${i}`));

    let crashed = false;
    const registered: NewAccount[] = [];
    const lastAcked = new Map<string, number>();
    let acks = 0;
    // Registrations, a few at a time, until the crash or the count.
    const registering = (async () => {
      for (let i = 0; i < REGISTRATIONS && !crashed; i += 3) {
        const batch = [0, 1, 2].map(() => newAccount('kill9r'));
        const answers = await Promise.all(
          batch.map((who) => attempt(first.url, 'POST', '/auth/register', { json: who })),
        );
        answers.forEach((answer, j) => {
          if (answer.status === 201) {
            registered.push(batch[j]!);
            acks += 1;
          }
        });
      }
    })();
    // Each writer writes its profile in sequence: bio "<n>", n rising.
    const writing = writers.map(async (writer) => {
      for (let n = 1; n <= WRITES_PER_WRITER && !crashed; n++) {
        const answer = await attempt(first.url, 'PUT', '/users/me', {
          token: writer.token,
          json: { bio: String(n) },
        });
        if (answer.status === 200) {
          lastAcked.set(writer.email, n);
          acks += 1;
        } else if (answer.error) break;
      }
    });
    // Mid-burst: once some writes have been acknowledged, while others are in flight.
    for (let i = 0; i < 200 && acks < 25; i++) await sleep(20);
    expect(acks).toBeGreaterThanOrEqual(25);
    first.child.kill('SIGKILL');
    crashed = true;
    await Promise.all([registering, ...writing]);
    expect(
      first.child.signalCode ?? (await new Promise((r) => first.child.once('exit', (_c, s) => r(s)))),
    ).toBe('SIGKILL');

    const second = await spawnServer({ script: SERVER_MAIN, database });
    servers.push(second);
    expect(registered.length).toBeGreaterThan(0);
    for (const who of registered) expect(await loginToken(second.url, who), who.email).not.toBeNull();
    for (const writer of writers) {
      const me = await attempt(second.url, 'GET', '/auth/me', { token: writer.token });
      expect(me.status).toBe(200);
      expect(Number(me.body?.bio ?? 0), writer.email).toBeGreaterThanOrEqual(
        lastAcked.get(writer.email) ?? 0,
      );
    }
  });
});
