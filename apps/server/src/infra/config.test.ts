import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';

const SECRET = 'a-secret-key-that-is-at-least-32-bytes-long';
let dataDir: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-config-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** A minimal valid environment; `over` replaces or adds variables. */
const env = (over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  SECRET_KEY: SECRET,
  DATA_DIR: dataDir,
  ...over,
});

function configError(over: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env(over));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(over)}`);
}

describe('loadConfig: defaults', () => {
  it('fills in every default', () => {
    const config = loadConfig({ SECRET_KEY: SECRET });
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 8000,
      databaseUrl: 'sqlite:./data/roster.db',
      secretKey: SECRET,
      secretSource: 'env',
      accessTokenExpireMinutes: 30,
      allowedOrigins: [],
      logLevel: 'info',
      publicUrl: null,
      jwtIssuer: 'roster',
      jwtAudience: 'roster',
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      dataDir: './data',
    });
  });

  it('reads every variable it is given', () => {
    const config = loadConfig(
      env({
        NODE_ENV: 'test',
        HOST: '0.0.0.0',
        PORT: '0',
        ACCESS_TOKEN_EXPIRE_MINUTES: '1440',
        LOG_LEVEL: 'silent',
        JWT_ISSUER: 'issuer',
        JWT_AUDIENCE: 'aud',
        ARGON2_MEMORY_KIB: '65536',
        ARGON2_TIME_COST: '3',
        ARGON2_PARALLELISM: '4',
        ARGON2_CONCURRENCY: '2',
      }),
    );
    expect(config).toMatchObject({
      env: 'test',
      host: '0.0.0.0',
      port: 0,
      accessTokenExpireMinutes: 1440,
      logLevel: 'silent',
      jwtIssuer: 'issuer',
      jwtAudience: 'aud',
      argon2: { memoryCost: 65536, timeCost: 3, parallelism: 4, concurrency: 2 },
    });
  });
});

describe('loadConfig: failure bounds', () => {
  it('keeps idle connections 72 s, longer than a proxy keeps its own, unless KEEP_ALIVE_TIMEOUT_MS says', () => {
    expect(loadConfig(env()).keepAliveTimeoutMs).toBe(72_000);
    expect(loadConfig(env({ KEEP_ALIVE_TIMEOUT_MS: '1000' })).keepAliveTimeoutMs).toBe(1_000);
    expect(configError({ KEEP_ALIVE_TIMEOUT_MS: '999' }).message).toContain('KEEP_ALIVE_TIMEOUT_MS');
    expect(configError({ KEEP_ALIVE_TIMEOUT_MS: '600001' }).message).toContain('KEEP_ALIVE_TIMEOUT_MS');
  });

  it('delays shutdown by 5 s in production and not at all elsewhere, unless SHUTDOWN_DELAY_MS says', () => {
    expect(loadConfig(env({ NODE_ENV: 'production', METRICS_PUBLIC: 'true' })).shutdownDelayMs).toBe(5_000);
    expect(loadConfig(env({ NODE_ENV: 'test' })).shutdownDelayMs).toBe(0);
    expect(loadConfig(env()).shutdownDelayMs).toBe(0);
    expect(
      loadConfig(env({ NODE_ENV: 'production', METRICS_PUBLIC: 'true', SHUTDOWN_DELAY_MS: '0' }))
        .shutdownDelayMs,
    ).toBe(0);
    expect(loadConfig(env({ SHUTDOWN_DELAY_MS: '1500' })).shutdownDelayMs).toBe(1_500);
    expect(configError({ SHUTDOWN_DELAY_MS: '-1' }).message).toContain('SHUTDOWN_DELAY_MS');
  });

  it('runs one worker per core in production and one elsewhere, unless WEB_CONCURRENCY says', () => {
    const production = { NODE_ENV: 'production', METRICS_PUBLIC: 'true' };
    expect(loadConfig(env(production)).webConcurrency).toBe(Math.min(64, availableParallelism()));
    expect(loadConfig(env()).webConcurrency).toBe(1);
    expect(loadConfig(env({ NODE_ENV: 'test' })).webConcurrency).toBe(1);
    expect(loadConfig(env({ ...production, WEB_CONCURRENCY: '1' })).webConcurrency).toBe(1);
    expect(loadConfig(env({ WEB_CONCURRENCY: '3' })).webConcurrency).toBe(3);
    expect(loadConfig(env({ WEB_CONCURRENCY: '64' })).webConcurrency).toBe(64);
    for (const bad of ['0', '65', '-2', '1.5', 'auto']) {
      const error = configError({ WEB_CONCURRENCY: bad });
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect(error.message, bad).toMatch(/WEB_CONCURRENCY: /);
    }
  });

  it('shares the cores between workers for hashing and sizes each worker’s libuv pool and heap', () => {
    const cores = availableParallelism();
    const two = loadConfig(env({ WEB_CONCURRENCY: '2' }));
    expect(two.argon2.concurrency).toBe(Math.max(1, Math.min(Math.floor(cores / 2), 3)));
    expect(two.workerMemory).toEqual({
      threadPoolSize: two.argon2.concurrency + 1,
      semiSpaceMb: 4,
      oldSpaceMb: 160,
      v8PoolSize: 1,
    });
    // A worker sees the pool its primary gave it and hashes as many at once as before.
    const worker = loadConfig(
      env({ WEB_CONCURRENCY: '2', UV_THREADPOOL_SIZE: String(two.argon2.concurrency + 1) }),
    );
    expect(worker.argon2.concurrency).toBe(two.argon2.concurrency);
    // What the operator sets wins.
    const set = loadConfig(
      env({
        ARGON2_CONCURRENCY: '3',
        UV_THREADPOOL_SIZE: '8',
        NODE_OPTIONS: '--max-semi-space-size=16 --max-old-space-size=512 --v8-pool-size=4',
      }),
    );
    expect(set.argon2.concurrency).toBe(3);
    expect(set.workerMemory).toEqual({
      threadPoolSize: null,
      semiSpaceMb: null,
      oldSpaceMb: null,
      v8PoolSize: null,
    });
  });

  it('bounds the wait for a PostgreSQL connection and an idle transaction, 5 s each by default', () => {
    expect(loadConfig(env())).toMatchObject({
      databaseAcquireTimeoutMs: 5_000,
      databaseIdleInTransactionTimeoutMs: 5_000,
    });
    const given = loadConfig(
      env({ DATABASE_ACQUIRE_TIMEOUT_MS: '750', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0' }),
    );
    expect(given).toMatchObject({ databaseAcquireTimeoutMs: 750, databaseIdleInTransactionTimeoutMs: 0 });
    expect(configError({ DATABASE_ACQUIRE_TIMEOUT_MS: '5' }).message).toContain(
      'DATABASE_ACQUIRE_TIMEOUT_MS',
    );
  });
});

describe('loadConfig: bad values name the variable', () => {
  // NAME=value pairs, one per case.
  const BAD = `PORT=abc|PORT=70000|PORT=-1|PORT=80.5|DATABASE_URL=mysql://x|DATABASE_URL=sqlite:|LOG_LEVEL=loud|
    NODE_ENV=staging|ARGON2_MEMORY_KIB=19455|ARGON2_TIME_COST=1|ARGON2_PARALLELISM=0|ACCESS_TOKEN_EXPIRE_MINUTES=0|
    ACCESS_TOKEN_EXPIRE_MINUTES=1441|PUBLIC_URL=not a url|PUBLIC_URL=ftp://x|PORT=0x1F90|PORT=1e3`;
  it.each(BAD.split('|').map((pair) => pair.trim().split(/=(.*)/s).slice(0, 2)))('%s=%j', (name, value) => {
    const error = configError({ [name!]: value });
    expect(error.message).toMatch(new RegExp(`^Invalid configuration:\\n {2}${name}: `));
  });

  it('treats empty variables as unset, so a copied .env.example starts', () => {
    const config = loadConfig({
      HOST: '',
      PORT: ' ',
      PUBLIC_URL: '',
      JWT_ISSUER: '',
      SECRET_KEY: 'k'.repeat(40),
    });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8000, publicUrl: null, jwtIssuer: 'roster' });
  });

  it('wants ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(configError({ ADMIN_EMAIL: 'root@example.com' }).message).toContain(
      'ADMIN_EMAIL and ADMIN_PASSWORD',
    );
    const config = loadConfig({
      SECRET_KEY: 'k'.repeat(40),
      ADMIN_EMAIL: ' Root@Example.com',
      ADMIN_PASSWORD: 'rootpassword',
    });
    expect(config.bootstrapAdmin).toEqual({
      email: 'root@example.com',
      username: 'root',
      password: 'rootpassword',
    });
  });

  it('lists every bad variable at once', () => {
    const { message } = configError({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(message).toContain('PORT: ');
    expect(message).toContain('LOG_LEVEL: ');
  });

  it('says what a DATABASE_URL must look like, naming the variable once', () => {
    const { message } = configError({ DATABASE_URL: 'mysql://x' });
    expect(message).toContain('DATABASE_URL: must start with sqlite: or postgresql://');
    expect(message.match(/DATABASE_URL/g)).toHaveLength(1);
  });
});

describe('loadConfig: DATABASE_URL', () => {
  it.each([
    'postgresql+asyncpg://user:pw@localhost:5432/roster',
    'postgresql://localhost/roster',
    'postgres://localhost/roster',
    'sqlite:///tmp/roster.db',
    'sqlite+aiosqlite:///./roster.db',
    'sqlite::memory:',
  ])('accepts %s unchanged', (url) => {
    expect(loadConfig(env({ DATABASE_URL: url })).databaseUrl).toBe(url);
  });
});

describe('loadConfig: SECRET_KEY', () => {
  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => loadConfig(env({ SECRET_KEY: 'x'.repeat(31) }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ SECRET_KEY: 'x'.repeat(31) }))).toThrow(
      /^SECRET_KEY: must be at least 32 bytes/,
    );
    expect(loadConfig(env({ SECRET_KEY: 'x'.repeat(32) })).secretKey).toBe('x'.repeat(32));
  });

  it('counts bytes, not characters', () => {
    // 16 two-byte characters are 32 bytes.
    expect(loadConfig(env({ SECRET_KEY: 'é'.repeat(16) })).secretSource).toBe('env');
    expect(() => loadConfig(env({ SECRET_KEY: 'é'.repeat(15) }))).toThrow(/SECRET_KEY/);
  });

  it('is required in production, even when a generated file exists', () => {
    writeFileSync(join(dataDir, 'secret.key'), `${SECRET}\n`, { mode: 0o600 });
    for (const secret of [undefined, '']) {
      expect(() => loadConfig(env({ NODE_ENV: 'production', SECRET_KEY: secret }))).toThrow(
        /^SECRET_KEY: required when NODE_ENV=production/,
      );
    }
    expect(loadConfig(env({ NODE_ENV: 'production', METRICS_PUBLIC: 'true' })).secretSource).toBe('env');
  });

  it('outside production leaves a missing one to start-up, and writes nothing itself', () => {
    const nested = join(dataDir, 'nested', 'data');
    const config = loadConfig(env({ SECRET_KEY: undefined, DATA_DIR: nested }));
    expect(config).toMatchObject({ secretSource: 'generated', secretKey: '' });
    expect(existsSync(nested)).toBe(false);
  });

  it('leaves a stored secret that is too short to start-up, to be replaced', () => {
    writeFileSync(join(dataDir, 'secret.key'), 'short\n');
    expect(loadConfig(env({ SECRET_KEY: undefined }))).toMatchObject({
      secretSource: 'generated',
      secretKey: '',
    });
  });

  it('trims a stored secret', () => {
    writeFileSync(join(dataDir, 'secret.key'), `  ${SECRET}  \n\n`, { mode: 0o600 });
    expect(loadConfig(env({ SECRET_KEY: undefined })).secretKey).toBe(SECRET);
  });
});

describe('loadConfig: METRICS_TOKEN and METRICS_PUBLIC', () => {
  const TOKEN = 'metrics-token-0123456789';

  it('leaves /metrics open outside production when no token is set', () => {
    for (const NODE_ENV of ['development', 'test'])
      expect(loadConfig(env({ NODE_ENV })).metricsToken).toBeNull();
    expect(loadConfig(env({ METRICS_TOKEN: TOKEN })).metricsToken).toBe(TOKEN);
  });

  it('needs a token in production, or METRICS_PUBLIC=true on purpose', () => {
    expect(configError({ NODE_ENV: 'production' }).message).toMatch(
      /^METRICS_TOKEN: required when NODE_ENV=production .* unless METRICS_PUBLIC=true/,
    );
    expect(configError({ NODE_ENV: 'production', METRICS_PUBLIC: 'false' }).message).toMatch(
      /^METRICS_TOKEN/,
    );
    expect(loadConfig(env({ NODE_ENV: 'production', METRICS_TOKEN: TOKEN })).metricsToken).toBe(TOKEN);
    expect(loadConfig(env({ NODE_ENV: 'production', METRICS_PUBLIC: 'true' })).metricsToken).toBeNull();
  });

  it('refuses both at once, and a METRICS_PUBLIC that is not a boolean', () => {
    expect(configError({ METRICS_TOKEN: TOKEN, METRICS_PUBLIC: 'true' }).message).toBe(
      'METRICS_TOKEN and METRICS_PUBLIC=true: set one or the other',
    );
    expect(configError({ METRICS_PUBLIC: 'maybe' }).message).toMatch(
      /^Invalid configuration:\n {2}METRICS_PUBLIC: /,
    );
  });
});

describe('loadConfig: lists and URLs', () => {
  it('parses ALLOWED_ORIGINS as comma-separated values', () => {
    expect(loadConfig(env({ ALLOWED_ORIGINS: 'http://a.test, https://b.test,,  ' })).allowedOrigins).toEqual([
      'http://a.test',
      'https://b.test',
    ]);
    expect(loadConfig(env({ ALLOWED_ORIGINS: '*' })).allowedOrigins).toEqual(['*']);
    expect(loadConfig(env({ ALLOWED_ORIGINS: '' })).allowedOrigins).toEqual([]);
  });

  it('strips trailing slashes from PUBLIC_URL and uses it as the JWT issuer', () => {
    const config = loadConfig(env({ PUBLIC_URL: 'https://roster.example.com/api//' }));
    expect(config.publicUrl).toBe('https://roster.example.com/api');
    expect(config.jwtIssuer).toBe('https://roster.example.com/api');
  });

  it('lets JWT_ISSUER win over PUBLIC_URL', () => {
    const config = loadConfig(env({ PUBLIC_URL: 'https://roster.example.com/', JWT_ISSUER: 'roster-prod' }));
    expect(config.publicUrl).toBe('https://roster.example.com');
    expect(config.jwtIssuer).toBe('roster-prod');
  });
});

describe('loadDotEnv', () => {
  it('reads a .env file without overriding variables already set', async () => {
    const path = join(dataDir, '.env');
    writeFileSync(
      path,
      [
        '# comment',
        'PORT=9000',
        'HOST=0.0.0.0',
        'EMPTY_ALREADY=from-file',
        'QUOTED="two words"',
        'export LOG_LEVEL=debug',
      ].join('\n'),
    );
    const target: NodeJS.ProcessEnv = { PORT: '8123', EMPTY_ALREADY: '' };
    await loadDotEnv(path, target);
    expect(target).toEqual({
      PORT: '8123',
      HOST: '0.0.0.0',
      EMPTY_ALREADY: '',
      QUOTED: 'two words',
      LOG_LEVEL: 'debug',
    });
    expect(loadConfig({ ...target, SECRET_KEY: SECRET }).port).toBe(8123);
  });

  it('does nothing when the file is missing', async () => {
    const target: NodeJS.ProcessEnv = { PORT: '1' };
    await loadDotEnv(join(dataDir, 'missing.env'), target);
    expect(target).toEqual({ PORT: '1' });
  });
});
