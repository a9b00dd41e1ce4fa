import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.js';
import { http, startTestServer, TEST_SECRET, type TestServer } from '../test/harness.js';
import { login, newAccount, register } from '../test/accounts.js';

// Who may read /metrics in production, and what its counters may tell: never whether an address has an account.

const METRICS_TOKEN = 'production-metrics-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function metricsStatus(server: TestServer, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${server.url}/metrics`, { headers });
  await res.body?.cancel();
  return res.status;
}

/** Every counter sample of Roster's own metrics (`name{labels}` → value), timings' sums and buckets left out. */
async function counters(server: TestServer, token?: string): Promise<Map<string, number>> {
  const res = await fetch(`${server.url}/metrics`, { headers: token ? bearer(token) : {} });
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = /^(roster_\w+?)(\{.*\})? (\S+)$/.exec(line);
    if (!match || /_(bucket|sum)$/.test(match[1]!)) continue;
    samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return samples;
}

/** How each counter moved between two scrapes (only the ones that moved). */
function moved(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of after) {
    const change = value - (before.get(key) ?? 0);
    if (change !== 0) delta[key] = change;
  }
  return delta;
}

/** The counters without the database-statement timings. */
const withoutQueries = (delta: Record<string, number>) =>
  Object.fromEntries(Object.entries(delta).filter(([k]) => !k.startsWith('roster_db_query_')));

/** What one call did to the counters, scraped once it has settled (mails and their writes go after the answer). */
async function countersMovedBy(server: TestServer, call: () => Promise<unknown>, token?: string) {
  const before = await counters(server, token);
  await call();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return moved(before, await counters(server, token));
}

describe('production', () => {
  const production = { NODE_ENV: 'production', SECRET_KEY: TEST_SECRET };

  it('refuses to start with neither METRICS_TOKEN nor METRICS_PUBLIC=true', () => {
    expect(() => loadConfig(production)).toThrow(
      /^METRICS_TOKEN: required when NODE_ENV=production .*METRICS_PUBLIC=true/,
    );
  });

  describe('with METRICS_TOKEN', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ ...production, METRICS_TOKEN });
    });
    afterAll(() => server.close());

    it('serves /metrics for the bearer token only', async () => {
      expect(await metricsStatus(server)).toBe(401);
      expect(await metricsStatus(server, bearer('not-the-token-0123456789'))).toBe(401);
      expect(await metricsStatus(server, bearer(METRICS_TOKEN))).toBe(200);
    });
  });

  describe('with METRICS_PUBLIC=true', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ ...production, METRICS_PUBLIC: 'true' });
    });
    afterAll(() => server.close());

    it('serves /metrics to anyone, on purpose', async () => {
      expect(await metricsStatus(server)).toBe(200);
    });
  });
});

describe('the counters never tell whether an address has an account', () => {
  let open: TestServer;
  let quiet: TestServer;
  beforeAll(async () => {
    [open, quiet] = await Promise.all([
      // No webhook dispatcher: its idle polls are queries no request made, and would blur the counts.
      startTestServer({ WEBHOOK_CONCURRENCY: '0' }),
      startTestServer({ REQUIRE_VERIFIED_EMAIL: 'true', WEBHOOK_CONCURRENCY: '0' }),
    ]);
  });
  afterAll(() => Promise.all([open.close(), quiet.close()]));

  it('moves the same counters for an unknown account as for a wrong password', async () => {
    const account = newAccount('counted');
    await register(open, account);
    const known = await countersMovedBy(open, () => login(open, account.email, 'wrong password 123'));
    const unknown = await countersMovedBy(open, () =>
      login(open, 'nobody@example.com', 'wrong password 123'),
    );
    expect(unknown).toEqual(known);
    expect(known).toMatchObject({ 'roster_logins_total{outcome="invalid_credentials"}': 1 });
  });

  it('moves the same counters for a known address as for a new one, when registration is quiet', async () => {
    const existing = newAccount('existing');
    expect((await http(quiet.url, 'POST', '/auth/register', { json: existing })).status).toBe(202);
    const register202 = (email: string) => () =>
      http(quiet.url, 'POST', '/auth/register', { json: newAccount('again', { email }) }).then((res) =>
        expect(res.status).toBe(202),
      );
    const known = await countersMovedBy(quiet, register202(existing.email));
    const fresh = await countersMovedBy(quiet, register202(newAccount('fresh').email));
    expect(withoutQueries(fresh)).toEqual(withoutQueries(known));
    expect(known).toMatchObject({ roster_registrations_total: 1 });
    // Left out: the statement counts. A new account takes more statements than a notice to a known address, a
    // side channel for whoever can both send requests and read /metrics; which is why production serves /metrics
    // only for METRICS_TOKEN unless METRICS_PUBLIC=true says otherwise (see .env.example).
  });
});
