export {
  createOrmConfig,
  parseDatabaseUrl,
  POSTGRES_DEFAULTS,
  type DatabaseKind,
  type DatabaseTarget,
  type OrmConfigOptions,
} from './config.js';
export {
  ACTION_PURPOSES,
  ActionToken,
  ActionTokenSchema,
  AuditEvent,
  AuditEventSchema,
  MfaChallenge,
  MfaChallengeSchema,
  Passkey,
  PasskeySchema,
  RecoveryCode,
  RecoveryCodeSchema,
  RefreshToken,
  RefreshTokenSchema,
  Session,
  SessionSchema,
  type ActionPurpose,
  ROLES,
  TotpFactor,
  TotpFactorSchema,
  User,
  UserSchema,
  WEBAUTHN_PURPOSES,
  WebAuthnChallenge,
  WebAuthnChallengeSchema,
  type WebAuthnPurpose,
  entities,
  type Role,
} from './entities/index.js';
export { dialectOf } from './dialect.js';
export { fillFoldedNames, foldedName, foldSearch } from './search-text.js';
export { closeDatabase, migrateDatabase, openDatabase, pendingMigrations, type Database } from './orm.js';
export { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';
