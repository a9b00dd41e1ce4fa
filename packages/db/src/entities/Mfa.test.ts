import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../orm.js';
import { openMigratedTestDatabase } from '../test/database.js';
import { MfaChallenge } from './MfaChallenge.js';
import { Passkey } from './Passkey.js';
import { RecoveryCode } from './RecoveryCode.js';
import { Session } from './Session.js';
import { TotpFactor } from './TotpFactor.js';
import { User } from './User.js';
import { WebAuthnChallenge } from './WebAuthnChallenge.js';

let db: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase());
});
afterAll(() => close());

describe('second-factor rows', () => {
  it('store with their defaults, read back with their types, and go with their account', async () => {
    const em = db.orm.em.fork();
    const user = em.create(User, { email: 'mfa@example.com', username: 'mfa', passwordHash: 'x' });
    await em.flush();
    expect(user.mfaEnabled).toBe(false);
    const later = new Date(Date.now() + 300_000);
    em.create(TotpFactor, { userId: user.id, secretEncrypted: 'v1.sealed' });
    em.create(RecoveryCode, { userId: user.id, codeHash: 'c'.repeat(64) });
    em.create(MfaChallenge, { tokenHash: 'm'.repeat(64), userId: user.id, expiresAt: later });
    // A sign counter past 2^31 (authenticators count in 32 unsigned bits) reads back as a number.
    em.create(Passkey, {
      userId: user.id,
      credentialId: 'credential-id',
      publicKey: 'public-key',
      counter: 3_000_000_000,
      deviceType: 'multiDevice',
      name: 'Laptop',
    });
    em.create(WebAuthnChallenge, { challengeHash: 'w'.repeat(64), purpose: 'login', expiresAt: later });
    em.create(Session, {
      id: 'mfa-session-0123456',
      userId: user.id,
      lastUsedAt: new Date(),
      expiresAt: later,
    });
    await em.flush();

    const read = db.orm.em.fork();
    const totp = await read.findOneOrFail(TotpFactor, { userId: user.id });
    expect(totp).toMatchObject({ confirmedAt: null, lastUsedStep: null, failedCount: 0, failedSince: null });
    expect(totp.createdAt).toBeInstanceOf(Date);
    expect(await read.findOneOrFail(RecoveryCode, { userId: user.id })).toMatchObject({ usedAt: null });
    expect(await read.findOneOrFail(MfaChallenge, { userId: user.id })).toMatchObject({ attempts: 0 });
    const passkey = await read.findOneOrFail(Passkey, { userId: user.id });
    expect(passkey).toMatchObject({
      counter: 3_000_000_000,
      backedUp: false,
      transports: null,
      lastUsedAt: null,
    });
    expect((await read.findOneOrFail(WebAuthnChallenge, { purpose: 'login' })).userId).toBeNull();
    expect((await read.findOneOrFail(Session, { id: 'mfa-session-0123456' })).amr).toBe('pwd');

    await read.nativeDelete(User, { id: user.id });
    for (const entity of [TotpFactor, RecoveryCode, MfaChallenge, Passkey] as const) {
      expect(await read.count(entity, { userId: user.id })).toBe(0);
    }
  });
});
