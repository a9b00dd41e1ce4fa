import { afterEach, describe, expect, it } from 'vitest';
import { api, login, markVerified, registerAndLogin } from '../test/accounts.js';
import { ROOT, ROOT_ENV, startOn, tokenFor, type ServerOnDatabase } from '../test/admin.js';
import { http, startTestServer, type TestServer } from '../test/harness.js';

// ADMIN_EMAIL + ADMIN_PASSWORD: the first admin, applied at start-up only while no active admin exists.
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function fresh(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  cleanup.push(() => server.close());
  return server;
}
async function restart(server: TestServer, env: Record<string, string>): Promise<ServerOnDatabase> {
  await server.running.close();
  const next = await startOn(server.database, env);
  cleanup.push(() => next.close());
  return next;
}
const bootstrapLines = (logs: string) =>
  logs.split('\n').filter((l) => l.includes('bootstrap admin applied'));

describe('ADMIN_EMAIL at start-up', () => {
  it('creates the first admin, who can use the admin API; the password is never logged', async () => {
    const server = await fresh(ROOT_ENV);
    const token = await tokenFor(server, ROOT.email, ROOT.password);
    const me = await api(server)<{ role: string; username: string }>('GET', '/auth/me', { token });
    expect(me.body).toMatchObject({ role: 'admin', username: ROOT.username, is_verified: true });
    expect((await api(server)('GET', '/admin/stats', { token })).status).toBe(200);
    const lines = bootstrapLines(server.rawLogs());
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ email: ROOT.email, outcome: 'created' });
    expect(server.rawLogs()).not.toContain(ROOT.password);
  });

  it('takes ADMIN_USERNAME and normalizes the email', async () => {
    const server = await fresh({
      ADMIN_EMAIL: ' Chief@Example.COM ',
      ADMIN_PASSWORD: 'chief password',
      ADMIN_USERNAME: 'chief',
    });
    const res = await login(server, 'chief', 'chief password');
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: 'chief@example.com', role: 'admin' });
  });

  it('does nothing once an active admin exists: no second admin, no password reset', async () => {
    const server = await fresh(ROOT_ENV);
    const other = await restart(server, {
      ADMIN_EMAIL: 'other@example.com',
      ADMIN_PASSWORD: 'other password',
    });
    const refused = await http(other.url, 'POST', '/auth/login', {
      form: { username: 'other@example.com', password: 'other password' },
    });
    expect(refused.status).toBe(401);
    await other.close();
    const again = await startOn(server.database, {
      ADMIN_EMAIL: ROOT.email,
      ADMIN_PASSWORD: 'a new root password',
    });
    cleanup.push(() => again.close());
    const tryLogin = (password: string) =>
      http(again.url, 'POST', '/auth/login', { form: { username: ROOT.email, password } });
    expect((await tryLogin(ROOT.password)).status).toBe(200);
    expect((await tryLogin('a new root password')).status).toBe(401);
    expect(bootstrapLines(other.rawLogs() + again.rawLogs())).toEqual([]);
    expect(again.rawLogs()).not.toContain('a new root password');
  });

  it('never hands an unverified account the admin role: start-up goes on and says how to proceed', async () => {
    const server = await fresh();
    const squatter = await registerAndLogin(server, 'squatter');
    const next = await restart(server, {
      ADMIN_EMAIL: squatter.account.email,
      ADMIN_PASSWORD: 'the operator password',
    });
    expect(bootstrapLines(next.rawLogs())).toEqual([]);
    const refused = next.logs.find((l) => String(l.msg).startsWith('bootstrap admin not applied'));
    expect(refused).toMatchObject({ level: 50, code: 'ADMIN_ACCOUNT_UNVERIFIED' });
    expect(String(refused?.msg)).toContain('create-admin --promote');
    expect(next.rawLogs()).not.toContain('the operator password');
    expect((await http(next.url, 'GET', '/health')).status).toBe(200);
    const stats = await http(next.url, 'GET', '/admin/stats', { token: squatter.token });
    expect(stats.status).toBe(403);
    const operator = await http(next.url, 'POST', '/auth/login', {
      form: { username: squatter.account.email, password: 'the operator password' },
    });
    expect(operator.status).toBe(401);
  });

  it('promotes the verified account with that email when no admin exists, keeping its password and tokens', async () => {
    const server = await fresh();
    const boss = await registerAndLogin(server, 'boss');
    await markVerified(server, boss.account.email);
    expect((await api(server)('GET', '/admin/stats', { token: boss.token })).status).toBe(403);
    const next = await restart(server, {
      ADMIN_EMAIL: boss.account.email.toUpperCase(),
      ADMIN_PASSWORD: 'ignored password',
    });
    expect(JSON.parse(bootstrapLines(next.rawLogs())[0]!)).toMatchObject({ outcome: 'promoted' });
    const stats = await http<{ admins: number; total: number }>(next.url, 'GET', '/admin/stats', {
      token: boss.token,
    });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ admins: 1, total: 1 });
    const tryLogin = (password: string) =>
      http(next.url, 'POST', '/auth/login', { form: { username: boss.account.email, password } });
    expect((await tryLogin(boss.account.password)).status).toBe(200);
    expect((await tryLogin('ignored password')).status).toBe(401);
  });
});
