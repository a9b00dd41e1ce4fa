import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { Passkey, type User, type WebAuthnPurpose } from '@roster/db';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { AppError } from '../errors.js';
import type { ApiSettings } from '../settings.js';
import { inTransaction, type AuditService } from './audit.js';
import type { AuthService, LoginResult } from './auth.js';
import { MFA_TOKEN_TTL_MS, syncMfaEnabled } from './mfa-state.js';
import type { SessionService } from './sessions.js';
import type { MfaKeys } from './totp-crypto.js';
import type { UserService } from './users.js';
import { relyingParty, spendChallenge, storeChallenge, userHandle } from './webauthn.js';

export interface PasskeyDeps {
  mfaKeys: MfaKeys;
  settings: Pick<ApiSettings, 'publicUrl' | 'webauthn' | 'mfa'>;
}

function transportsOf(passkey: Passkey): string[] {
  return passkey.transports ? passkey.transports.split(',') : [];
}

function refused(): never {
  throw new AppError('PASSKEY_AUTHENTICATION_FAILED');
}

/**
 * Passkeys (WebAuthn credentials): registration, the owner's list, and every ceremony that signs in with one —
 * alone (a discoverable credential, `amr: ["hwk"]`) or as the second step of a password login. Challenges are
 * single use and live five minutes; sign counters are checked and moved on every use.
 */
export class PasskeyService {
  private readonly keys: MfaKeys;

  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly deps: PasskeyDeps,
  ) {
    this.keys = deps.mfaKeys;
  }

  list(userId: number): Promise<Passkey[]> {
    return this.em.find(Passkey, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** Creation options for a new passkey of `user` (its existing ones excluded). */
  async registrationOptions(user: User): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = relyingParty(this.deps.settings);
    const existing = await this.list(user.id);
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.email,
      userDisplayName: user.fullName ?? user.username,
      userID: userHandle(this.keys.userHandle, user.id),
      timeout: MFA_TOKEN_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
      // Discoverable, so that it can sign in without a password or a username.
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await storeChallenge(this.em, options.challenge, 'register', user.id);
    return options;
  }

  /** Verifies the browser's answer to `registrationOptions` and keeps the passkey. */
  async register(user: User, response: RegistrationResponseJSON, name?: string): Promise<Passkey> {
    const rp = relyingParty(this.deps.settings);
    const challenge = await spendChallenge(this.em, response.response.clientDataJSON, 'register', user.id);
    if (challenge === null) throw new AppError('PASSKEY_REGISTRATION_FAILED');
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    }).catch(() => null);
    if (!verified?.verified) throw new AppError('PASSKEY_REGISTRATION_FAILED');
    const info = verified.registrationInfo;
    const passkey = this.em.create(Passkey, {
      userId: user.id,
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: info.credential.transports?.join(',') ?? null,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      name: name ?? 'Passkey',
    });
    try {
      await inTransaction(this.em, async () => {
        await this.em.flush();
        await syncMfaEnabled(this.em, user.id);
        this.audit.record('passkey.registered', {
          actorId: user.id,
          targetId: user.id,
          details: { passkey_id: passkey.id, name: passkey.name },
        });
        await this.em.flush();
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AppError('PASSKEY_ALREADY_REGISTERED');
      throw error;
    }
    return passkey;
  }

  async rename(userId: number, id: number, name: string): Promise<Passkey> {
    const renamed = await this.em.nativeUpdate(Passkey, { id, userId }, { name });
    if (renamed === 0) throw new AppError('PASSKEY_NOT_FOUND');
    return this.em.findOneOrFail(Passkey, { id }, { refresh: true });
  }

  /**
   * Deletes one of the account's passkeys, after its password (WRONG_PASSWORD, limited as every re-check is); every
   * other session of the account ends (`sessionId`, the caller's, stays), as with a password change.
   */
  async remove(user: User, sessionId: string, id: number, password: string): Promise<void> {
    await this.users.assertPassword(user, password);
    const userId = user.id;
    await inTransaction(this.em, async () => {
      if ((await this.em.nativeDelete(Passkey, { id, userId })) === 0)
        throw new AppError('PASSKEY_NOT_FOUND');
      await syncMfaEnabled(this.em, userId);
      const ended = await this.sessions.revokeAll(userId, 'passkey_deleted', sessionId);
      this.audit.record('passkey.deleted', {
        actorId: userId,
        targetId: userId,
        details: { passkey_id: id, sessions_ended: ended },
      });
      await this.em.flush();
    });
  }

  /**
   * Request options: for a passwordless login (any discoverable passkey, user verification required) or, with
   * `userId`, for the second step of that account's login (its passkeys only).
   */
  async authenticationOptions(userId: number | null = null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = relyingParty(this.deps.settings);
    const allow = userId === null ? [] : await this.list(userId);
    if (userId !== null && allow.length === 0) throw new AppError('MFA_METHOD_UNAVAILABLE');
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      timeout: MFA_TOKEN_TTL_MS,
      userVerification: userId === null ? 'required' : 'preferred',
      allowCredentials: allow.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    });
    await storeChallenge(this.em, options.challenge, userId === null ? 'login' : 'mfa', userId);
    return options;
  }

  /** A passwordless login: the passkey names the account; `amr` is ["hwk"]. */
  async login(response: AuthenticationResponseJSON): Promise<LoginResult> {
    const passkey = await this.verifyAssertion(response, 'login', null);
    const user = (await this.users.findById(passkey.userId)) ?? refused();
    // A deactivated account's passkeys sign nobody in (nor, with REQUIRE_VERIFIED_EMAIL, an unverified one's).
    await this.auth.assertMayLogIn(user);
    return this.auth.completeLogin(user, ['hwk']);
  }

  /**
   * Checks an assertion against the challenge it answers (spent here) and the passkey it names (of `userId` when
   * given), and moves the passkey's sign counter: a counter that did not grow (a cloned authenticator) or that
   * another use moved meanwhile is refused.
   */
  async verifyAssertion(
    response: AuthenticationResponseJSON,
    purpose: Exclude<WebAuthnPurpose, 'register'>,
    userId: number | null,
  ): Promise<Passkey> {
    const rp = relyingParty(this.deps.settings);
    const challenge = await spendChallenge(this.em, response.response.clientDataJSON, purpose, userId);
    if (challenge === null) refused();
    const passkey = await this.em.findOne(Passkey, { credentialId: response.id });
    if (!passkey || (userId !== null && passkey.userId !== userId)) refused();
    const handle = response.response.userHandle;
    const expected = Buffer.from(userHandle(this.keys.userHandle, passkey.userId)).toString('base64url');
    if (handle !== undefined && handle !== expected) refused();
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: Uint8Array.from(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.counter,
        transports: transportsOf(passkey),
      },
      requireUserVerification: purpose === 'login',
    }).catch(() => null);
    if (!result?.verified) refused();
    const moved = await this.em.nativeUpdate(
      Passkey,
      { id: passkey.id, counter: passkey.counter },
      {
        counter: result.authenticationInfo.newCounter,
        backedUp: result.authenticationInfo.credentialBackedUp,
        lastUsedAt: new Date(),
      },
    );
    if (moved === 0) refused();
    return passkey;
  }
}
