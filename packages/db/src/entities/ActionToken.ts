import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

export const ACTION_PURPOSES = ['password_reset', 'email_verification'] as const;
export type ActionPurpose = (typeof ACTION_PURPOSES)[number];

/**
 * A single-use token sent by email (password reset, email verification), stored only as a SHA-256 hash. It is
 * bound to the address it was sent to: it is void once the account's email changes, and reset tokens are
 * deleted whenever the password changes.
 */
export class ActionToken {
  id!: number;
  userId!: number;
  purpose!: ActionPurpose;
  tokenHash!: string;
  email!: string;
  createdAt!: Opt<Date>;
  expiresAt!: Date;
  usedAt: Date | null = null;
}

export const ActionTokenSchema = new EntitySchema<ActionToken>({
  class: ActionToken,
  tableName: 'action_tokens',
  indexes: [{ name: 'action_tokens_user_id_purpose_index', properties: ['userId', 'purpose'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    purpose: { type: 'string', length: 32 },
    tokenHash: { type: 'string', length: 64, unique: 'action_tokens_token_hash_unique' },
    email: { type: 'string', length: 320 },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    expiresAt: { type: DateTimeType },
    usedAt: { type: DateTimeType, nullable: true },
  },
});
