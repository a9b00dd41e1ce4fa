import { raw, type EntityManager } from '@mikro-orm/core';
import { MfaChallenge, type User } from '@roster/db';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { AppError } from '../errors.js';
import { RateLimitedError } from '../ratelimit/service.js';
import type { AuditService } from './audit.js';
import type { AuthMethod, AuthService, LoginResult } from './auth.js';
import type { MfaProof, MfaService } from './mfa.js';
import { MFA_TOKEN_ATTEMPTS } from './mfa-state.js';
import type { PasskeyService } from './passkeys.js';
import { hashToken } from './secrets.js';
import type { UserService } from './users.js';

/**
 * The second step of a password login: the `mfa_token` of the 401 MFA_REQUIRED answer, completed with a code, a
 * recovery code or a passkey. A token is single use, lives five minutes and takes at most MFA_TOKEN_ATTEMPTS
 * wrong answers (then 429); the account's own limit on wrong codes applies as well (MfaService).
 */
export class MfaLoginService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly auth: AuthService,
    private readonly mfa: MfaService,
    private readonly passkeys: PasskeyService,
    private readonly audit: AuditService,
  ) {}

  /** Completes the login with an authenticator code (`amr` pwd+otp) or a recovery code (pwd+rc). */
  async verify(token: string, proof: MfaProof): Promise<LoginResult> {
    const { challenge, user } = await this.claim(token);
    const method = await this.mfa.verifyProof(user.id, proof, 'INVALID_MFA_CODE');
    return this.finish(challenge, user, method);
  }

  /** Request options for completing the login with one of the account's passkeys. */
  async passkeyOptions(token: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const challenge = await this.pending(token);
    if (challenge.attempts >= MFA_TOKEN_ATTEMPTS) throw this.exhausted(challenge);
    return this.passkeys.authenticationOptions(challenge.userId);
  }

  /** Completes the login with a passkey (`amr` pwd+hwk). */
  async passkeyVerify(token: string, response: AuthenticationResponseJSON): Promise<LoginResult> {
    const { challenge, user } = await this.claim(token);
    try {
      await this.passkeys.verifyAssertion(response, 'mfa', user.id);
    } catch (error) {
      await this.em.fork().transactional(async (em) => {
        this.audit.record(
          'mfa.code_failed',
          { actorId: user.id, targetId: user.id, details: { method: 'webauthn' } },
          em,
        );
      });
      throw error;
    }
    return this.finish(challenge, user, 'hwk');
  }

  /** The live pending login `token` names; INVALID_MFA_TOKEN when there is none (unknown, expired or used). */
  private async pending(token: string): Promise<MfaChallenge> {
    const challenge = await this.em.findOne(MfaChallenge, { tokenHash: hashToken(token) });
    if (!challenge || challenge.expiresAt.getTime() <= Date.now()) throw new AppError('INVALID_MFA_TOKEN');
    return challenge;
  }

  private exhausted(challenge: MfaChallenge): RateLimitedError {
    return new RateLimitedError(Math.max(1, Math.ceil((challenge.expiresAt.getTime() - Date.now()) / 1000)));
  }

  /**
   * Charges one attempt to the pending login (before the answer is checked, so concurrent guesses count one by
   * one) and loads its account, which must still be allowed to log in.
   */
  private async claim(token: string): Promise<{ challenge: MfaChallenge; user: User }> {
    const tokenHash = hashToken(token);
    const charged = await this.em.nativeUpdate(
      MfaChallenge,
      { tokenHash, expiresAt: { $gt: new Date() }, attempts: { $lt: MFA_TOKEN_ATTEMPTS } },
      { attempts: raw('attempts + 1') },
    );
    const challenge = await this.pending(token);
    if (charged === 0) throw this.exhausted(challenge);
    const user = await this.users.findById(challenge.userId);
    if (!user) throw new AppError('INVALID_MFA_TOKEN');
    await this.auth.assertMayLogIn(user);
    return { challenge, user };
  }

  /** Spends the pending login (one completion wins a race) and opens the session. */
  private async finish(challenge: MfaChallenge, user: User, second: AuthMethod): Promise<LoginResult> {
    if ((await this.em.nativeDelete(MfaChallenge, { id: challenge.id })) === 0) {
      throw new AppError('INVALID_MFA_TOKEN');
    }
    return this.auth.completeLogin(user, ['pwd', second]);
  }
}
