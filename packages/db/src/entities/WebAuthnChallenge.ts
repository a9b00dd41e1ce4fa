import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

export const WEBAUTHN_PURPOSES = ['register', 'login', 'mfa'] as const;
export type WebAuthnPurpose = (typeof WEBAUTHN_PURPOSES)[number];

/**
 * A WebAuthn challenge Roster handed out (registration, passwordless login, or a passkey as second factor), stored
 * as a SHA-256 hash. Single use: the verification that spends it deletes the row; it lives five minutes.
 */
export class WebAuthnChallenge {
  id!: number;
  challengeHash!: string;
  purpose!: WebAuthnPurpose;
  /** The account it was issued for; null for a passwordless login, where the passkey names the account. */
  userId: number | null = null;
  createdAt!: Opt<Date>;
  expiresAt!: Date;
}

export const WebAuthnChallengeSchema = new EntitySchema<WebAuthnChallenge>({
  class: WebAuthnChallenge,
  tableName: 'webauthn_challenges',
  indexes: [{ name: 'webauthn_challenges_expires_at_index', properties: ['expiresAt'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    challengeHash: { type: 'string', length: 64, unique: 'webauthn_challenges_challenge_hash_unique' },
    purpose: { type: 'string', length: 16 },
    userId: { type: 'integer', nullable: true },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    expiresAt: { type: DateTimeType },
  },
});
