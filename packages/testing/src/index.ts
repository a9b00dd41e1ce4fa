// Test support shared by every package: a real database per test file, and spawned server processes.
export {
  createTestDatabase,
  postgresAdminUrl,
  postgresReachable,
  testDatabaseKind,
  type TestDatabase,
  type TestDatabaseKind,
} from './database.js';
export { closedPort, spawnServer, SPAWN_TEST_SECRET, type SpawnedServer } from './server.js';
export {
  cbor,
  freshTotpWindow,
  SoftAuthenticator,
  totpCode,
  type CreationOptions,
  type RequestOptions,
} from './mfa.js';
