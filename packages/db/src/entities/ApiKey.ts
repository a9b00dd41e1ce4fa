import { DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * A long-lived credential for scripts and non-TypeScript clients: `rst_` and 256 random bits, shown once at
 * creation and stored only as its SHA-256 (a key that random needs no slow hash). It acts for its owner within
 * its scopes; revoking it, or deactivating or deleting the owner, stops it on its next use.
 */
export class ApiKey {
  id!: number;
  userId!: number;
  name!: string;
  /** The key's first characters (`rst_` and 8 more): enough to recognise it in a list, never to use it. */
  prefix!: string;
  /** SHA-256 of the whole key, hex: what a presented key is looked up by. */
  keyHash!: string;
  /** What the key may do (`profile:read`, `users:read`, …: see packages/api/src/scopes.ts). */
  scopes!: string[];
  createdAt!: Opt<Date>;
  /** Written at most about once a minute, not on every use. */
  lastUsedAt: Date | null = null;
  expiresAt!: Date;
  revokedAt: Date | null = null;
}

export const ApiKeySchema = new EntitySchema<ApiKey>({
  class: ApiKey,
  tableName: 'api_keys',
  indexes: [{ name: 'api_keys_user_id_index', properties: ['userId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    name: { type: 'string', length: 100 },
    prefix: { type: 'string', length: 16 },
    keyHash: { type: 'string', length: 64, unique: 'api_keys_key_hash_unique' },
    scopes: { type: 'json' },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    lastUsedAt: { type: DateTimeType, nullable: true },
    expiresAt: { type: DateTimeType },
    revokedAt: { type: DateTimeType, nullable: true },
  },
});
