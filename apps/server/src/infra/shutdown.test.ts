import { spawnServer, type SpawnedServer } from '@roster/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { newAccount, register } from '../test/accounts.js';
import { SERVER_MAIN } from '../test/cluster.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// Graceful shutdown: stop accepting, let in-flight requests finish within SHUTDOWN_TIMEOUT_MS, cut the rest, close
// what was registered and the database. The slow request is a real login: argon2 with a high cost takes a while.

const SLOW_ARGON2 = { ARGON2_MEMORY_KIB: '65536', ARGON2_TIME_COST: '40' };
const SPAWN = { timeout: 120_000 };

function loginRequest(url: string, account: { username: string; password: string }) {
  return fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: account.username, password: account.password }).toString(),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RunningServer.close()', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('runs the registered closers in reverse order, one failure not stopping the others', async () => {
    server = await startTestServer();
    const calls: string[] = [];
    server.running.closers.add('first', () => calls.push('first'));
    server.running.closers.add('broken', () => Promise.reject(new Error('redis went away')));
    server.running.closers.add('last', async () => {
      calls.push('last');
    });
    await server.running.close();
    expect(calls).toEqual(['last', 'first']);
    expect(server.logs.find((l) => l.msg === 'closing failed')).toMatchObject({
      level: 50,
      closer: 'broken',
      err: { message: 'redis went away' },
    });
    await expect(server.running.db.orm.isConnected()).resolves.toBe(false);
  });

  it('cuts a request still running when the timeout is up', SPAWN, async () => {
    server = await startTestServer({ ...SLOW_ARGON2, SHUTDOWN_TIMEOUT_MS: '100' });
    const account = newAccount('cut');
    await register(server, account);
    const inFlight = loginRequest(server.url, account).then(
      (res) => res.status,
      (error: unknown) => error,
    );
    await sleep(300);
    const started = Date.now();
    await server.running.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await inFlight).toBeInstanceOf(Error); // the connection was closed under it
    expect(server.logs.find((l) => l.msg === 'shutdown timeout: cut connections still open')).toMatchObject({
      level: 40,
      connections: 1,
    });
  });
});

describe('SIGTERM to node dist/main.js', SPAWN, () => {
  let spawned: SpawnedServer | undefined;
  afterEach(async () => {
    await spawned?.close();
    spawned = undefined;
  });

  async function startSlow(env: Record<string, string>) {
    spawned = await spawnServer({ script: SERVER_MAIN, env: { ...SLOW_ARGON2, ...env } });
    const exited = new Promise<number | null>((resolve) =>
      spawned!.child.once('exit', (code) => resolve(code)),
    );
    const account = newAccount('sigterm');
    const res = await fetch(`${spawned.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    expect(res.status).toBe(201);
    return { server: spawned, exited, account };
  }

  async function logged(server: SpawnedServer, msg: string) {
    await expect.poll(() => server.logs.find((l) => l.msg === msg), { timeout: 30_000 }).toBeDefined();
    return server.logs.find((l) => l.msg === msg)!;
  }

  it('finishes the login in flight, refuses new connections, then exits 0', async () => {
    const { server, exited, account } = await startSlow({ SHUTDOWN_TIMEOUT_MS: '30000' });
    const inFlight = loginRequest(server.url, account);
    await sleep(300);
    server.child.kill('SIGTERM');
    expect(await logged(server, 'shutting down')).toMatchObject({ signal: 'SIGTERM', timeoutMs: 30000 });
    await expect(fetch(`${server.url}/health`)).rejects.toThrow(); // no longer accepting
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
    expect(await exited).toBe(0);
    const order = server.logs.map((l) => (l.msg === 'request' ? `request ${String(l.route)}` : l.msg));
    expect(order.slice(order.indexOf('shutting down'))).toEqual([
      'shutting down',
      'request /auth/login',
      'shutdown complete',
    ]);
  });

  it('answers every request across the signal: readiness 503 at once, new connections served for SHUTDOWN_DELAY_MS', async () => {
    const { server, exited, account } = await startSlow({
      SHUTDOWN_DELAY_MS: '3000',
      SHUTDOWN_TIMEOUT_MS: '30000',
    });
    type Outcome = { at: number; path: string; status?: number; error?: string; connection?: string | null };
    const outcomes: Promise<Outcome>[] = [];
    let signalledAt = Number.POSITIVE_INFINITY;
    const fire = (path: string, init?: RequestInit) => {
      const at = Date.now() - signalledAt;
      outcomes.push(
        fetch(`${server.url}${path}`, init).then(
          async (res) => ({
            at,
            path,
            status: res.status,
            connection: res.headers.get('connection'),
            body: await res.text(),
          }),
          (error: Error) => ({
            at,
            path,
            error: `${error.message} ${String((error.cause as Error | undefined)?.message)}`,
          }),
        ),
      );
    };
    const login = () =>
      fire('/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: account.username, password: account.password }).toString(),
      });
    // A burst on keep-alive connections before the signal, slow logins in flight when it comes, and new requests
    // (new connections and reused ones) every 50 ms until 1.1 s after it, well within the 3 s delay even on a busy
    // machine: bounded in count and time.
    for (let i = 0; i < 5; i++) fire('/health');
    login();
    login();
    await sleep(200);
    signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // Once the signal is handled (its log line written), readiness is 503 at once.
    await logged(server, 'shutting down');
    const handledAt = Date.now();
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ detail: 'Shutting down', code: 'SERVICE_UNAVAILABLE' });
    for (let i = 0; i < 22 && Date.now() - handledAt < 1_100; i++) {
      fire(i % 2 ? '/health' : '/health/ready');
      if (i === 5) login();
      await sleep(50);
    }
    const answered = await Promise.all(outcomes);
    expect(answered.filter((o) => o.error)).toEqual([]);
    expect(answered.length).toBeGreaterThanOrEqual(12);
    for (const o of answered) {
      if (o.path === '/auth/login' || o.path === '/health') expect(o.status, JSON.stringify(o)).toBe(200);
      else expect(o.status).toBe(503);
      // Answers after the signal close their connection: no client reuses a socket that is about to go.
      if (o.at > 50) expect(o.connection).toBe('close');
    }
    expect(await exited).toBe(0);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow(); // the listener is closed now
    expect(server.logs.find((l) => l.msg === 'shutting down')).toMatchObject({ delayMs: 3000 });
    expect(server.logs.some((l) => l.msg === 'shutdown timeout: cut connections still open')).toBe(false);
  });

  it('cuts what is still running after SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const { server, exited, account } = await startSlow({ SHUTDOWN_TIMEOUT_MS: '100' });
    const inFlight = loginRequest(server.url, account).then(
      (res) => res.status,
      (error: unknown) => error,
    );
    await sleep(300);
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await inFlight).toBeInstanceOf(Error);
    expect(await logged(server, 'shutdown timeout: cut connections still open')).toMatchObject({
      connections: 1,
    });
    expect(server.logs.at(-1)).toMatchObject({ msg: 'shutdown complete' });
  });
});
