import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * A password login waiting for its second factor: the `mfa_token` the client was given, stored as a SHA-256 hash.
 * It names the account, lives five minutes, is deleted by the login it completes, and counts its wrong codes.
 */
export class MfaChallenge {
  id!: number;
  tokenHash!: string;
  userId!: number;
  attempts: Opt<number> = 0;
  createdAt!: Opt<Date>;
  expiresAt!: Date;
}

export const MfaChallengeSchema = new EntitySchema<MfaChallenge>({
  class: MfaChallenge,
  tableName: 'mfa_challenges',
  indexes: [{ name: 'mfa_challenges_expires_at_index', properties: ['expiresAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    tokenHash: { type: 'string', length: 64, unique: 'mfa_challenges_token_hash_unique' },
    userId: { type: 'integer' },
    attempts: { type: 'integer', default: 0 },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    expiresAt: { type: DateTimeType },
  },
});
