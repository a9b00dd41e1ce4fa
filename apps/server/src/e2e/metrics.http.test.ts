import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOperation } from '../infra/metrics.js';
import { api, login, newAccount, register } from '../test/accounts.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// GET /metrics: Prometheus text from the app's own registry, fed by requests, API events and ORM query timings.

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample: `name{labels} value`, labels matched exactly (in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (JSON.stringify(Object.entries(given).sort()) === JSON.stringify(Object.entries(labels).sort())) {
      return Number(match[3]);
    }
  }
  return undefined;
}

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  [server, other] = await Promise.all([startTestServer(), startTestServer({ METRICS_TOKEN })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), other?.close()]);
});

async function scrape(target: TestServer, token?: string): Promise<string> {
  const res = await fetch(`${target.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

describe('GET /metrics', () => {
  it('counts requests by route template, method and status, and the API events', async () => {
    const req = api(server);
    const account = newAccount('metered');
    const user = await register(server, account);
    const ok = await login(server, account.username, account.password);
    expect(ok.status).toBe(200);
    expect((await login(server, account.username, 'not the password')).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      expect((await req('GET', `/users/${user.id}`, { token: ok.body.access_token })).status).toBe(200);
    }
    await req('GET', '/nowhere/at/all');

    const text = await scrape(server);
    const duration = 'roster_http_request_duration_seconds_count';
    expect(sample(text, duration, { method: 'GET', route: '/users/{id}', status: '200' })).toBe(2);
    expect(sample(text, duration, { method: 'POST', route: '/auth/login', status: '401' })).toBe(1);
    expect(sample(text, duration, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain('/nowhere');
    expect(text).toContain(
      'roster_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users/{id}"',
    );
    expect(sample(text, 'roster_registrations_total')).toBe(1);
    expect(sample(text, 'roster_logins_total', { outcome: 'success' })).toBe(1);
    expect(sample(text, 'roster_logins_total', { outcome: 'invalid_credentials' })).toBe(1);
    expect(sample(text, 'roster_logins_total', { outcome: 'deactivated' })).toBe(0);
    expect(sample(text, 'roster_token_refreshes_total', { outcome: 'reuse' })).toBe(0);
    expect(text).toContain('# TYPE roster_rate_limited_total counter');
    // Default process metrics.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('times database queries by operation', async () => {
    const text = await scrape(server);
    const selects = sample(text, 'roster_db_query_duration_seconds_count', {
      operation: 'select',
      outcome: 'ok',
    });
    const inserts = sample(text, 'roster_db_query_duration_seconds_count', {
      operation: 'insert',
      outcome: 'ok',
    });
    expect(selects).toBeGreaterThan(0);
    expect(inserts).toBeGreaterThan(0);
    // A failing statement is counted as an error.
    await expect(
      server.running.db.orm.em.getConnection().execute('select * from no_such_table'),
    ).rejects.toThrow();
    const after = await scrape(server);
    expect(
      sample(after, 'roster_db_query_duration_seconds_count', { operation: 'select', outcome: 'error' }),
    ).toBe(1);
  });

  it('keeps each server’s counters to itself', async () => {
    await register(server, newAccount('only-here'));
    const mine = await scrape(server);
    const theirs = await scrape(other, METRICS_TOKEN);
    expect(sample(mine, 'roster_registrations_total')).toBe(2);
    expect(sample(theirs, 'roster_registrations_total')).toBe(0);
  });

  it('asks for the bearer token when METRICS_TOKEN is set', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: `Basic ${METRICS_TOKEN}` },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
    ]) {
      const res = await fetch(`${other.url}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({
        detail: 'A valid metrics token is required',
        code: 'NOT_AUTHENTICATED',
      });
    }
    const text = await scrape(other, METRICS_TOKEN);
    expect(
      sample(text, 'roster_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/metrics',
        status: '401',
      }),
    ).toBe(4);
  });
});

describe('queryOperation', () => {
  it('reads the statement kind, and "other" for the rest', () => {
    expect(queryOperation('select 1')).toBe('select');
    expect(queryOperation('  INSERT INTO users')).toBe('insert');
    expect(queryOperation('with x as (select 1) select * from x')).toBe('select');
    expect(queryOperation('(select 1) union (select 2)')).toBe('select');
    expect(queryOperation('pragma foreign_keys = ON')).toBe('other');
    expect(queryOperation('release savepoint trx1')).toBe('other');
    expect(queryOperation('')).toBe('other');
  });
});
