import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * One link of a session's refresh-token chain, stored only as a SHA-256 hash. A link is spent when it is
 * exchanged; presenting a spent one again (outside the grace window) is reuse and ends the session.
 */
export class RefreshToken {
  id!: number;
  sessionId!: string;
  /** SHA-256 of the token, hex. */
  tokenHash!: string;
  createdAt!: Date;
  expiresAt!: Date;
  spentAt: Opt<Date> | null = null;
}

export const RefreshTokenSchema = new EntitySchema<RefreshToken>({
  class: RefreshToken,
  tableName: 'refresh_tokens',
  indexes: [{ name: 'refresh_tokens_session_id_index', properties: ['sessionId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    sessionId: { type: 'string', length: 32 },
    tokenHash: { type: 'string', length: 64, unique: 'refresh_tokens_token_hash_unique' },
    createdAt: { type: DateTimeType },
    expiresAt: { type: DateTimeType },
    spentAt: { type: DateTimeType, nullable: true },
  },
});
