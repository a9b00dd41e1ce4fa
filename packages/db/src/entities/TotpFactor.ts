import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * An account's authenticator app (RFC 6238 TOTP): at most one per account, pending until a first code confirms it.
 * The secret is stored encrypted (AES-256-GCM, see the API's totp-crypto.ts), never in clear. `lastUsedStep` is the
 * time step of the last accepted code: a code is accepted once, and never one older than it. Wrong codes for the
 * account are counted here (`failedCount` since `failedSince`) across every place a code is checked.
 */
export class TotpFactor {
  userId!: number;
  secretEncrypted!: string;
  confirmedAt: Date | null = null;
  lastUsedStep: number | null = null;
  failedCount: Opt<number> = 0;
  failedSince: Date | null = null;
  createdAt!: Opt<Date>;
}

export const TotpFactorSchema = new EntitySchema<TotpFactor>({
  class: TotpFactor,
  tableName: 'mfa_totp',
  properties: {
    userId: { type: 'integer', primary: true, autoincrement: false },
    secretEncrypted: { type: 'string', length: 255 },
    confirmedAt: { type: DateTimeType, nullable: true },
    lastUsedStep: { type: 'integer', nullable: true },
    failedCount: { type: 'integer', default: 0 },
    failedSince: { type: DateTimeType, nullable: true },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
  },
});
