export { ROLES, User, UserSchema, type Role } from './User.js';

import { UserSchema } from './User.js';

export const entities = [UserSchema];
