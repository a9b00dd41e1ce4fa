import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { ENV_VARS } from '../infra/config.js';
import { maskUrl } from '../infra/config-report.js';

// `roster check-config`: validates the environment, prints the effective configuration with secrets masked.

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const SECRETS = {
  SECRET_KEY: 'Secret-Key-For-Check-Config-0123456789abcdef',
  DATABASE_URL: 'postgresql://roster:Db-Password-0001@db.internal:5432/roster?sslmode=require',
  REDIS_URL: 'rediss://default:Redis-Password-0001@cache.internal:6380/0',
  SMTP_URL: 'smtps://mailer:Smtp-Password-0001@smtp.example.com:465',
  METRICS_TOKEN: 'Metrics-Token-0001-abcdefghijkl',
  ADMIN_EMAIL: 'Root@Example.com',
  ADMIN_PASSWORD: 'Admin-Password-0001',
  JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nPrivate-Key-Material-0001\n-----END PRIVATE KEY-----',
  JWT_PREVIOUS_KEY: '/run/secrets/previous.pem',
};
const HIDDEN = [
  SECRETS.SECRET_KEY,
  'Db-Password-0001',
  'Redis-Password-0001',
  'Smtp-Password-0001',
  SECRETS.METRICS_TOKEN,
  SECRETS.ADMIN_PASSWORD,
  'Private-Key-Material-0001',
];

let saved: Record<string, string | undefined>;
let savedCwd: string;
let workDir: string;

beforeEach(() => {
  saved = Object.fromEntries(ENV_VARS.map((name) => [name, process.env[name]]));
  for (const name of ENV_VARS) delete process.env[name];
  savedCwd = process.cwd();
  workDir = mkdtempSync(join(tmpdir(), 'roster-check-config-'));
  process.chdir(workDir); // no developer .env
});
afterEach(() => {
  process.chdir(savedCwd);
  for (const name of ENV_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  rmSync(workDir, { recursive: true, force: true });
});

async function check(env: Record<string, string>) {
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  const sink = (write: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        write(chunk.toString('utf8'));
        done();
      },
    }) as unknown as Parameters<typeof runCli>[1] & Parameters<typeof runCli>[2];
  const code = await runCli(
    ['check-config'],
    sink((s) => (out += s)),
    sink((s) => (err += s)),
  );
  return { code, out, err };
}

describe('roster check-config', () => {
  it('prints the effective configuration with every secret masked', async () => {
    const { code, out, err } = await check({ ...SECRETS, NODE_ENV: 'production', TRUST_PROXY: 'true' });
    expect(err).toBe('');
    expect(code).toBe(0);
    for (const secret of HIDDEN) expect(out, secret).not.toContain(secret);
    const report = JSON.parse(out) as Record<string, unknown>;
    expect(report).toMatchObject({
      env: 'production',
      port: 8000,
      trustProxy: true,
      secretKey: '********',
      secretSource: 'env',
      databaseUrl: 'postgresql://roster:********@db.internal:5432/roster?sslmode=require',
      redisUrl: 'rediss://default:********@cache.internal:6380/0',
      mail: { smtpUrl: 'smtps://mailer:********@smtp.example.com:465', from: 'Roster <no-reply@localhost>' },
      metricsToken: '********',
      bootstrapAdmin: { email: 'root@example.com', username: 'root', password: '********' },
      jwtPrivateKey: '******** (PEM)',
      jwtPreviousKey: '/run/secrets/previous.pem', // a path is not the secret
      shutdownTimeoutMs: 10000,
      shutdownDelayMs: 5000,
      databaseAcquireTimeoutMs: 5000,
      databaseIdleInTransactionTimeoutMs: 5000,
    });
  });

  it('shows defaults, and writes no development secret', async () => {
    const dataDir = join(workDir, 'data');
    const { code, out } = await check({ DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      env: 'development',
      databaseUrl: 'sqlite:./data/roster.db',
      secretKey: `(generated at start-up into ${dataDir}/secret.key)`,
      metricsToken: null,
      redisUrl: null,
      bootstrapAdmin: null,
      logFormat: 'pretty',
      shutdownDelayMs: 0,
    });
    expect(existsSync(dataDir) ? readdirSync(dataDir) : []).toEqual([]);
  });

  it('exits 1 with every error when the environment is invalid', async () => {
    const { code, out, err } = await check({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      METRICS_TOKEN: 'short',
      REDIS_URL: 'http://cache',
    });
    expect(code).toBe(1);
    expect(out).toBe('');
    for (const name of ['PORT', 'DATABASE_URL', 'METRICS_TOKEN', 'REDIS_URL'])
      expect(err).toContain(`${name}:`);
    const production = await check({
      PORT: '8000',
      DATABASE_URL: 'sqlite::memory:',
      METRICS_TOKEN: SECRETS.METRICS_TOKEN,
      REDIS_URL: SECRETS.REDIS_URL,
      NODE_ENV: 'production',
    });
    expect(production.code).toBe(1);
    expect(production.err).toBe('SECRET_KEY: required when NODE_ENV=production\n');
  });

  it('works from the built binary, with its exit codes', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [CLI, 'check-config'], {
        cwd: workDir,
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const ok = run({
      NODE_ENV: 'production',
      SECRET_KEY: SECRETS.SECRET_KEY,
      DATABASE_URL: SECRETS.DATABASE_URL,
      METRICS_TOKEN: SECRETS.METRICS_TOKEN,
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).not.toContain('Db-Password-0001');
    expect(JSON.parse(ok.stdout)).toMatchObject({ env: 'production' });
    const bad = run({ NODE_ENV: 'production' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('SECRET_KEY');
    const noMetricsToken = run({ NODE_ENV: 'production', SECRET_KEY: SECRETS.SECRET_KEY });
    expect(noMetricsToken.status).toBe(1);
    expect(noMetricsToken.stderr).toContain('METRICS_TOKEN: required when NODE_ENV=production');
  });
});

describe('maskUrl', () => {
  it('masks passwords and password-like parameters, and leaves the rest', () => {
    expect(maskUrl(null)).toBeNull();
    expect(maskUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(maskUrl('redis://:p4ss@cache:6379')).toBe('redis://:********@cache:6379');
    expect(maskUrl('postgresql://db/x?password=p4ss&sslmode=require')).toBe(
      'postgresql://db/x?password=********&sslmode=require',
    );
    expect(maskUrl('not a url with user:p4ss@host')).toBe('********');
    expect(maskUrl('not a url')).toBe('not a url');
  });
});
