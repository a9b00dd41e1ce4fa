import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRosterClient, isRosterError } from '@roster/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runFlow, type FlowSummary } from './flow.js';
import { closedPort, spawnServer, type SpawnedServer } from './test/server.js';

// The consumer's flow against the BUILT server in a child process (see ./test/server.ts).
let server: SpawnedServer;
beforeAll(async () => {
  server = await spawnServer();
});
afterAll(() => server?.close());

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Runs src/main.ts as the app would run (through tsx, with only ROSTER_URL set). */
function runMain(rosterUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: APP_DIR,
    env: { ROSTER_URL: rosterUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('runFlow', () => {
  let summary: FlowSummary;
  it('talks to a server on the database this run targets', () => {
    const listening = server.logs.find((l) => l.msg === 'Roster is listening');
    expect(listening).toMatchObject({ url: server.url, database: server.database.kind });
  });

  beforeAll(async () => {
    summary = await runFlow(server.url);
  });

  it('registers a fresh account, logs in, updates the profile, lists users and logs out', () => {
    expect(summary).toEqual({
      url: server.url,
      account: {
        id: expect.any(Number),
        username: expect.stringMatching(/^consumer_[a-z0-9]+$/),
        email: `${summary.account.username}@example.com`,
      },
      tokenExpiresIn: expect.any(Number),
      profile: { full_name: 'Consumer App', bio: `Registered by ${summary.account.username}.` },
      usersListed: expect.any(Number),
      selfListed: true,
      loggedOut: true,
    });
    expect(summary.tokenExpiresIn).toBeGreaterThan(0);
    expect(summary.usersListed).toBeGreaterThanOrEqual(1);
  });

  it('made its calls over tRPC, as the server logged them', async () => {
    // The server logs a request once it has answered: its last lines may still be on their way.
    await vi.waitFor(() => {
      // Request lines name the route: a procedure as `trpc:<name>`, never the raw path.
      const routes = new Set(server.logs.map((l) => l.route));
      for (const procedure of ['auth.register', 'auth.login', 'auth.me', 'users.updateMe', 'users.list']) {
        expect(routes).toContain(`trpc:${procedure}`);
      }
    });
  });

  it('left the account in the server with the updated profile', async () => {
    const other = await runFlow(server.url);
    expect(other.account.id).not.toBe(summary.account.id);
    expect(other.usersListed).toBeGreaterThanOrEqual(2);

    // Seen from another account: the first one's public profile carries the update.
    const viewer = createRosterClient({ url: server.url });
    const username = `viewer_${Date.now()}`;
    await viewer.register({ email: `${username}@example.com`, username, password: 'correct horse battery' });
    await viewer.login({ username, password: 'correct horse battery' });
    await expect(viewer.users.byId.query({ id: summary.account.id })).resolves.toMatchObject({
      username: summary.account.username,
      full_name: 'Consumer App',
    });
  });

  it('rejects with a RosterError when Roster cannot be reached', async () => {
    const error = await runFlow(`http://127.0.0.1:${await closedPort()}`).catch((e: unknown) => e);
    expect(isRosterError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: 0 });
  });
});

describe('main', () => {
  it('runs the flow against ROSTER_URL and prints the summary as JSON', async () => {
    const { code, stdout, stderr } = await runMain(server.url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ url: server.url, selfListed: true, loggedOut: true });
  });

  it('exits with 1 and names the error when Roster cannot be reached', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stdout, stderr } = await runMain(url);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`Roster flow failed at ${url}: NETWORK_ERROR (HTTP 0)`);
  });
});
