import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * One of an account's single-use recovery codes, stored only as an HMAC (a key derived from the server secret), so
 * a database dump alone does not reveal them. A new set replaces the old one whole.
 */
export class RecoveryCode {
  id!: number;
  userId!: number;
  codeHash!: string;
  createdAt!: Opt<Date>;
  usedAt: Date | null = null;
}

export const RecoveryCodeSchema = new EntitySchema<RecoveryCode>({
  class: RecoveryCode,
  tableName: 'mfa_recovery_codes',
  indexes: [{ name: 'mfa_recovery_codes_user_id_code_hash_index', properties: ['userId', 'codeHash'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    codeHash: { type: 'string', length: 64 },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    usedAt: { type: DateTimeType, nullable: true },
  },
});
