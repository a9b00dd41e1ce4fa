export { ApiKey, ApiKeySchema } from './ApiKey.js';
export { ACTION_PURPOSES, ActionToken, ActionTokenSchema, type ActionPurpose } from './ActionToken.js';
export { AuditEvent, AuditEventSchema } from './AuditEvent.js';
export { RefreshToken, RefreshTokenSchema } from './RefreshToken.js';
export { Session, SessionSchema } from './Session.js';
export { ROLES, User, UserSchema, type Role } from './User.js';

import { ActionTokenSchema } from './ActionToken.js';
import { ApiKeySchema } from './ApiKey.js';
import { AuditEventSchema } from './AuditEvent.js';
import { RefreshTokenSchema } from './RefreshToken.js';
import { SessionSchema } from './Session.js';
import { UserSchema } from './User.js';

export const entities = [
  UserSchema,
  AuditEventSchema,
  SessionSchema,
  RefreshTokenSchema,
  ActionTokenSchema,
  ApiKeySchema,
];
