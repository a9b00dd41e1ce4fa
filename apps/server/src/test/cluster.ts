import { fileURLToPath } from 'node:url';
import { createTestDatabase, spawnServer, type SpawnedServer, type TestDatabase } from '@roster/testing';
import { clearRedisPrefix, TEST_REDIS_URL, testRedisPrefix } from './redis.js';

/** The built server (`pnpm turbo run build` first): instances are separate processes, as in a deployment. */
export const SERVER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface Cluster {
  instances: SpawnedServer[];
  database: TestDatabase;
  /** The Redis key prefix the instances share. */
  redisPrefix: string;
  close(): Promise<void>;
}

/**
 * `count` Roster processes on one fresh database and one Redis (under a key prefix of their own; none with
 * `redis: false`). The first
 * applies the migrations and the bootstrap admin before the others start, as a rolling deployment would.
 */
export async function startCluster(
  count: number,
  env: Record<string, string> = {},
  opts: { redis?: boolean } = {},
): Promise<Cluster> {
  const database = await createTestDatabase();
  const redisPrefix = testRedisPrefix('cluster');
  const instances: SpawnedServer[] = [];
  const close = async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await database.drop();
    await clearRedisPrefix(redisPrefix);
  };
  const start = () =>
    spawnServer({
      script: SERVER_MAIN,
      database,
      env: {
        ...(opts.redis === false ? {} : { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix }),
        ...env,
      },
    });
  try {
    instances.push(await start());
    instances.push(...(await Promise.all(Array.from({ length: count - 1 }, start))));
  } catch (error) {
    await close();
    throw error;
  }
  return { instances, database, redisPrefix, close };
}
