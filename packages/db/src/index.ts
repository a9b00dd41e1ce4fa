export {
  createOrmConfig,
  parseDatabaseUrl,
  type DatabaseKind,
  type DatabaseTarget,
  type OrmConfigOptions,
} from './config.js';
export {
  AuditEvent,
  AuditEventSchema,
  ROLES,
  User,
  UserSchema,
  entities,
  type Role,
} from './entities/index.js';
export { dialectOf } from './dialect.js';
export { closeDatabase, migrateDatabase, openDatabase, pendingMigrations, type Database } from './orm.js';
export { postgresqlMigrations, sqliteMigrations } from './migrations/index.js';
