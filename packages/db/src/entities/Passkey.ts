import { BigIntType, DateTimeType, EntitySchema, type Opt } from '@mikro-orm/core';

/**
 * A WebAuthn credential (a passkey or a security key) registered to an account: its id and COSE public key
 * (base64url), the authenticator's sign counter (checked on every use), and what the owner named it.
 */
export class Passkey {
  id!: number;
  userId!: number;
  /** The credential id, base64url. */
  credentialId!: string;
  /** The COSE public key, base64url. */
  publicKey!: string;
  counter: Opt<number> = 0;
  /** How the browser may reach the authenticator (usb, nfc, ble, internal, hybrid), comma-separated. */
  transports: string | null = null;
  deviceType!: string;
  backedUp: Opt<boolean> = false;
  aaguid: string | null = null;
  name!: string;
  createdAt!: Opt<Date>;
  lastUsedAt: Date | null = null;
}

export const PasskeySchema = new EntitySchema<Passkey>({
  class: Passkey,
  tableName: 'passkeys',
  indexes: [{ name: 'passkeys_user_id_index', properties: ['userId'] }],
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    userId: { type: 'integer' },
    credentialId: { type: 'string', length: 1024, unique: 'passkeys_credential_id_unique' },
    publicKey: { type: 'text' },
    counter: { type: new BigIntType('number'), default: 0 },
    transports: { type: 'string', length: 255, nullable: true },
    deviceType: { type: 'string', length: 32 },
    backedUp: { type: 'boolean', default: false },
    aaguid: { type: 'string', length: 36, nullable: true },
    name: { type: 'string', length: 100 },
    createdAt: { type: DateTimeType, onCreate: () => new Date() },
    lastUsedAt: { type: DateTimeType, nullable: true },
  },
});
