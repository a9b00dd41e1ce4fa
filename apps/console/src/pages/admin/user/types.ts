import type { RouterOutputs } from '@roster/sdk';

/** An account as admins read it: the full record with last_login_at and version. */
export type AdminUserRecord = RouterOutputs['admin']['getUser'];
