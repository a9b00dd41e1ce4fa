import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * One login on one device. Every access and refresh token is bound to a session, so revoking the row ends its
 * tokens on their next use. `expiresAt` is absolute: refreshing never extends a session past it.
 */
export class Session {
  /** 128 random bits, base64url. */
  id!: string;
  userId!: number;
  createdAt!: Opt<Date>;
  lastUsedAt!: Date;
  expiresAt!: Date;
  ip: string | null = null;
  userAgent: string | null = null;
  revokedAt: Date | null = null;
  /** Why it ended: logout, logout_all, password_changed, refresh_token_reuse, deactivated… */
  revokedReason: string | null = null;
  /** Set on a session an admin opened to act as this account (impersonation): the admin's id. */
  impersonatorId: number | null = null;
  /** Why the admin impersonates (audited with every write made under the session). */
  impersonationReason: string | null = null;
  /**
   * How the login proved who it was (RFC 8176 values, comma-separated): `pwd`, `pwd,otp`, `pwd,rc` (a recovery
   * code), `pwd,hwk`, `hwk` (a passkey alone). Every access token of the session carries it as `amr`.
   */
  amr: Opt<string> = 'pwd';
}

export const SessionSchema = new EntitySchema<Session>({
  class: Session,
  tableName: 'sessions',
  indexes: [{ name: 'sessions_user_id_revoked_at_index', properties: ['userId', 'revokedAt'] }],
  properties: {
    id: { type: 'string', length: 32, primary: true },
    userId: { type: 'integer' },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    lastUsedAt: { type: DateTimeType },
    expiresAt: { type: DateTimeType },
    ip: { type: 'string', length: 64, nullable: true },
    userAgent: { type: 'string', length: 512, nullable: true },
    revokedAt: { type: DateTimeType, nullable: true },
    revokedReason: { type: 'string', length: 64, nullable: true },
    impersonatorId: { type: 'integer', nullable: true },
    impersonationReason: { type: 'string', length: 500, nullable: true },
    amr: { type: 'string', length: 64, default: 'pwd' },
  },
});
