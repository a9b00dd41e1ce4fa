import { fileURLToPath } from 'node:url';
import { spawnServer as spawnBuilt, SPAWN_TEST_SECRET, type SpawnedServer } from '@roster/testing';

// The SDK must not depend on @roster/server: its tests run the BUILT server as a child process.
export { closedPort, type SpawnedServer } from '@roster/testing';

export const SERVER_MAIN = fileURLToPath(new URL('../../../../apps/server/dist/main.js', import.meta.url));
export const TEST_SECRET = SPAWN_TEST_SECRET;

export function spawnServer(
  opts: { startTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<SpawnedServer> {
  return spawnBuilt({ script: SERVER_MAIN, ...opts });
}

let counter = 0;
/** Unique, valid registration input (each test file has its own database, but tests share one). */
export function newUser(prefix = 'sdk') {
  counter += 1;
  const tag = `${prefix}${counter}_${Math.random().toString(36).slice(2, 8)}`;
  return { email: `${tag}@example.com`, username: tag, password: 'correct horse battery' };
}
