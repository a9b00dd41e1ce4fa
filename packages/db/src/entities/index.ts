export { AuditEvent, AuditEventSchema } from './AuditEvent.js';
export { ROLES, User, UserSchema, type Role } from './User.js';

import { AuditEventSchema } from './AuditEvent.js';
import { UserSchema } from './User.js';

export const entities = [UserSchema, AuditEventSchema];
