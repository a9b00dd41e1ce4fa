import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './index.js';
import { closedPort, parseLogLine, spawnServer } from './server.js';

const SERVER_MAIN = fileURLToPath(new URL('../../../apps/server/dist/main.js', import.meta.url));

describe('spawnServer', () => {
  it('runs the built server on its own database until closed (twice is fine)', async () => {
    const server = await spawnServer({ script: SERVER_MAIN });
    try {
      const res = await fetch(`${server.url}/health`);
      expect(res.status).toBe(200);
      expect(server.logs.some((l) => l.msg === 'Roster is listening')).toBe(true);
    } finally {
      await server.close();
      await server.close();
    }
    expect(server.child.exitCode).toBe(0);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('serves a database it is given and leaves it in place, with rate limits off unless asked', async () => {
    const database = await createTestDatabase();
    try {
      const server = await spawnServer({ script: SERVER_MAIN, database });
      expect(server.database).toBe(database);
      const login = (url: string) =>
        fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'nobody@example.com', password: 'wrong password' }),
        }).then((res) => res.status);
      for (let i = 0; i < 12; i++) expect(await login(server.url)).toBe(401);
      await server.close();
      // Still there: a second server starts on it, migrations already applied.
      const again = await spawnServer({ script: SERVER_MAIN, database, env: { RATE_LIMIT_ENABLED: 'true' } });
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push(await login(again.url));
      expect(statuses.at(-1)).toBe(429);
      expect(again.logs.some((l) => l.msg === 'migrations applied')).toBe(false);
      await again.close();
    } finally {
      await database.drop();
    }
  });

  it('cleans up after a server that already died', async () => {
    const server = await spawnServer({ script: SERVER_MAIN });
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    await server.close();
    expect(server.child.signalCode).toBe('SIGKILL');
  });

  it('says how to build when the script is missing', async () => {
    await expect(spawnServer({ script: '/nonexistent/main.js' })).rejects.toThrow(/is missing: build first/);
  });

  it('reports a server that exits before listening, with its stderr', async () => {
    await expect(spawnServer({ script: SERVER_MAIN, env: { PORT: 'not-a-port' } })).rejects.toThrow(
      /exited with code 1 before listening[\s\S]*PORT/,
    );
  });

  it('gives up on a server that does not start in time', async () => {
    await expect(spawnServer({ script: SERVER_MAIN, startTimeoutMs: 1 })).rejects.toThrow(
      /did not start within 1 ms/,
    );
  });
});

describe('closedPort', () => {
  it('is a port nothing answers on', async () => {
    const port = await closedPort();
    expect(port).toBeGreaterThan(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});

describe('parseLogLine', () => {
  it('reads JSON objects and ignores everything else', () => {
    expect(parseLogLine('{"msg":"hi"}')).toEqual({ msg: 'hi' });
    for (const line of ['', 'plain text', '[1,2]', 'null', '42']) expect(parseLogLine(line)).toBeNull();
  });
});
