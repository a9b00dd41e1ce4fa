import { fileURLToPath } from 'node:url';
import { spawnServer as spawnBuilt, SPAWN_TEST_SECRET, type SpawnedServer } from '@roster/testing';

// The consumer must not depend on @roster/server: its tests run the BUILT server as a child process.
export { closedPort, type SpawnedServer } from '@roster/testing';

export const SERVER_MAIN = fileURLToPath(new URL('../../../server/dist/main.js', import.meta.url));
export const TEST_SECRET = SPAWN_TEST_SECRET;

export function spawnServer(opts: { startTimeoutMs?: number } = {}): Promise<SpawnedServer> {
  return spawnBuilt({ script: SERVER_MAIN, ...opts });
}
