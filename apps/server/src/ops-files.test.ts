import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseDotEnv } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_VARS, loadConfig } from './infra/config.js';

// The deployment files next to the code: .env.example, docker-compose.yml and the Dockerfile must agree with
// config.ts (no Docker engine here, so they are read, parsed and checked rather than run).

const root = (name: string) => fileURLToPath(new URL(`../../../${name}`, import.meta.url));
const read = (name: string) => readFileSync(root(name), 'utf8');

describe('.env.example', () => {
  const example = parseDotEnv(read('.env.example'));

  it('documents every variable config.ts reads, and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual([...ENV_VARS].sort());
    for (const name of ENV_VARS) {
      expect(read('.env.example'), name).toMatch(
        new RegExp(`#[^\\n]*\\n(?:#[^\\n]*\\n)*(?:\\w+=[^\\n]*\\n)*${name}=`),
      );
    }
  });

  it('holds the defaults: copied to .env unchanged, it configures Roster exactly as no .env does', () => {
    const fromExample = loadConfig(example);
    expect(fromExample).toEqual(loadConfig({}));
  });
});

interface ComposeService {
  image?: string;
  build?: string;
  environment?: Record<string, string | number | boolean>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` against `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const given = env[name];
    if (given) return given;
    if (op === '?') throw new Error(`${name}: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
  const roster = compose.services.roster!;
  const environment = Object.fromEntries(
    Object.entries(roster.environment ?? {}).map(([k, v]) => [k, String(v)]),
  );

  it('runs postgres, redis and the server built from this Dockerfile, once both are healthy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'redis', 'roster']);
    expect(roster.build).toBe('.');
    expect(roster.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(compose.services.postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(compose.services.redis?.healthcheck?.test.join(' ')).toContain('ping');
  });

  it('configures the server only with variables config.ts knows, wired to the other services', () => {
    for (const name of Object.keys(environment)) expect(ENV_VARS, name).toContain(name);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'SECRET_KEY', 'NODE_ENV', 'HOST']) {
      expect(environment, name).toHaveProperty(name);
    }
    const env = Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [
        k,
        interpolate(v, { SECRET_KEY: 'x'.repeat(48), METRICS_TOKEN: 'm'.repeat(24) }),
      ]),
    );
    expect(() => interpolate(environment.SECRET_KEY!, {})).toThrow(/SECRET_KEY/);
    // Production serves /metrics for a token only: compose asks for one as it asks for SECRET_KEY.
    expect(() => interpolate(environment.METRICS_TOKEN!, {})).toThrow(/METRICS_TOKEN/);
    const config = loadConfig(env);
    expect(config).toMatchObject({
      env: 'production',
      host: '0.0.0.0',
      port: 8000,
      trustProxy: false,
      metricsToken: 'm'.repeat(24),
    });
    expect(new URL(config.databaseUrl).host).toBe('postgres:5432');
    expect(new URL(config.redisUrl!).host).toBe('redis:6379');
    // Docker's SIGKILL must not come before the delay and the drain are over.
    expect(Number.parseInt(roster.stop_grace_period ?? '10s', 10) * 1000).toBeGreaterThan(
      config.shutdownDelayMs + config.shutdownTimeoutMs,
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const final = stages.at(-1) ?? '';

  it('builds in one stage and runs as a non-root user with production dependencies only in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/deploy --prod/);
    expect(final).toMatch(/^COPY --from=build /m);
    expect(final).not.toMatch(/pnpm install|npm install/);
    expect(final).toMatch(/^USER (?!root\b)\w+/m);
    expect(final).toMatch(/^ENV NODE_ENV=production/m);
  });

  it('has a HEALTHCHECK on /health and starts the server', () => {
    expect(final).toMatch(/^HEALTHCHECK [\s\S]*\/health'/m);
    expect(final).toMatch(/^CMD \["node", "dist\/main\.js"\]/m);
    for (const line of final.split('\n').filter((l) => l.startsWith('ENV '))) {
      for (const [name] of line
        .slice(4)
        .split(' ')
        .map((kv) => kv.split('=')))
        expect(ENV_VARS).toContain(name);
    }
  });
});
