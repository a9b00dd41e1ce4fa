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
  ApiKey,
  ApiKeySchema,
  AuditEvent,
  AuditEventSchema,
  RefreshToken,
  RefreshTokenSchema,
  Session,
  SessionSchema,
  type ActionPurpose,
  ROLES,
  User,
  UserSchema,
  entities,
  type Role,
  DELIVERY_STATUSES,
  WebhookDelivery,
  WebhookDeliverySchema,
  type DeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointSchema,
  type WebhookDisabledReason,
} from './entities/index.js';
export { dialectOf } from './dialect.js';
export { fillFoldedNames, foldedName, foldSearch } from './search-text.js';
export { closeDatabase, migrateDatabase, openDatabase, pendingMigrations, type Database } from './orm.js';
export { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';
