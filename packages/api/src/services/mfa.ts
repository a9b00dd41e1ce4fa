import { raw, UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/core';
import { MfaChallenge, Passkey, RecoveryCode, TotpFactor, User, WebAuthnChallenge } from '@roster/db';
import { AppError } from '../errors.js';
import type { ApiSettings } from '../settings.js';
import { inTransaction, type AuditService } from './audit.js';
import {
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUrl,
  qrSvg,
  recoveryCodeHash,
} from './mfa-codes.js';
import { chargeCodeAttempt, factorsOf, syncMfaEnabled, type FactorSummary } from './mfa-state.js';
import type { SessionService } from './sessions.js';
import type { MfaKeys } from './totp-crypto.js';
import type { UserService } from './users.js';

/** A second factor given to prove a login or a change: an authenticator code, or one of the recovery codes. */
export interface MfaProof {
  code?: string | undefined;
  recovery_code?: string | undefined;
}

/** How a wrong code is answered: at the second step of a login (401), or in a signed-in check (403). */
type CodeFailure = 'INVALID_MFA_CODE' | 'WRONG_MFA_CODE';

export interface MfaDeps {
  mfaKeys: MfaKeys;
  settings: Pick<ApiSettings, 'mfa'>;
}

/**
 * Authenticator apps and recovery codes: enrolment, confirmation, checks, regeneration, disabling, and the admin
 * reset of every factor. Wrong codes are limited per account (ACCOUNT_CODE_FAILURES) wherever they are checked,
 * and always: the limits do not depend on RATE_LIMIT_ENABLED, since a six-digit code falls to a few thousand
 * unlimited guesses.
 */
export class MfaService {
  private readonly keys: MfaKeys;
  private readonly issuer: string;

  constructor(
    private readonly em: EntityManager,
    private readonly users: UserService,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    deps: MfaDeps,
  ) {
    this.keys = deps.mfaKeys;
    this.issuer = deps.settings.mfa?.issuer ?? 'Roster';
  }

  status(userId: number): Promise<FactorSummary> {
    return factorsOf(this.em, userId);
  }

  /** True when the account has a second factor (what REQUIRE_MFA_FOR_ADMINS asks of admins). */
  async hasFactor(userId: number): Promise<boolean> {
    const row = await this.em.fork().findOne(User, { id: userId }, { fields: ['id', 'mfaEnabled'] });
    return row?.mfaEnabled === true;
  }

  /** Starts (or restarts) an authenticator app: a new secret, pending until a code from it is confirmed. */
  async setupTotp(user: User, password: string) {
    await this.users.assertPassword(user, password);
    const current = await this.em.findOne(
      TotpFactor,
      { userId: user.id },
      { fields: ['userId', 'confirmedAt'] },
    );
    if (current?.confirmedAt) throw new AppError('TOTP_ALREADY_ENABLED');
    const secret = newTotpSecret();
    try {
      await inTransaction(this.em, async () => {
        await this.em.nativeDelete(TotpFactor, { userId: user.id, confirmedAt: null });
        await this.em.insert(TotpFactor, {
          userId: user.id,
          secretEncrypted: this.keys.box.seal(secret, user.id),
          confirmedAt: null,
          lastUsedStep: null,
          failedCount: 0,
          failedSince: null,
          createdAt: new Date(),
        });
        this.audit.record('mfa.totp_enrolled', { actorId: user.id, targetId: user.id });
        await this.em.flush();
      });
    } catch (error) {
      // Confirmed by a concurrent call between the check and the insert.
      if (error instanceof UniqueConstraintViolationException) throw new AppError('TOTP_ALREADY_ENABLED');
      throw error;
    }
    const url = otpauthUrl(secret, user.email, this.issuer);
    return { secret, otpauth_url: url, qr_svg: await qrSvg(url) };
  }

  /** Turns the pending app on with a first code from it; answers the recovery codes, shown only this once. */
  async confirmTotp(user: User, code: string): Promise<string[]> {
    const factor = await this.em.findOne(TotpFactor, { userId: user.id });
    if (!factor) throw new AppError('TOTP_SETUP_NOT_STARTED');
    if (factor.confirmedAt) throw new AppError('TOTP_ALREADY_ENABLED');
    await this.guarded(user.id, 'totp', () => this.acceptTotp(factor, code), 'WRONG_MFA_CODE');
    const codes = newRecoveryCodes();
    await inTransaction(this.em, async () => {
      const confirmed = await this.em.nativeUpdate(
        TotpFactor,
        { userId: user.id, confirmedAt: null },
        { confirmedAt: new Date() },
      );
      if (confirmed === 0) throw new AppError('TOTP_ALREADY_ENABLED');
      await this.replaceRecoveryCodes(user.id, codes);
      await syncMfaEnabled(this.em, user.id);
      this.audit.record('mfa.enabled', { actorId: user.id, targetId: user.id, details: { method: 'totp' } });
      await this.em.flush();
    });
    return codes;
  }

  /**
   * A new set of recovery codes (the old set is void), after the password and a second factor. Every other session
   * of the account ends (`sessionId`, the caller's, stays): one opened with an old code proves nothing any more.
   */
  async regenerateRecoveryCodes(
    user: User,
    sessionId: string,
    password: string,
    proof: MfaProof,
  ): Promise<string[]> {
    await this.users.assertPassword(user, password);
    await this.verifyProof(user.id, proof, 'WRONG_MFA_CODE');
    const codes = newRecoveryCodes();
    await inTransaction(this.em, async () => {
      await this.replaceRecoveryCodes(user.id, codes);
      const ended = await this.sessions.revokeAll(user.id, 'recovery_codes_regenerated', sessionId);
      this.audit.record('mfa.recovery_codes_regenerated', {
        actorId: user.id,
        targetId: user.id,
        details: { sessions_ended: ended },
      });
      await this.em.flush();
    });
    return codes;
  }

  /**
   * Removes the authenticator app and the recovery codes, after the password and a second factor; every other
   * session of the account ends (`sessionId`, the caller's, stays), as with a password change.
   */
  async disableTotp(user: User, sessionId: string, password: string, proof: MfaProof): Promise<void> {
    await this.users.assertPassword(user, password);
    await this.verifyProof(user.id, proof, 'WRONG_MFA_CODE');
    await inTransaction(this.em, async () => {
      await this.em.nativeDelete(TotpFactor, { userId: user.id });
      await this.em.nativeDelete(RecoveryCode, { userId: user.id });
      await syncMfaEnabled(this.em, user.id);
      const ended = await this.sessions.revokeAll(user.id, 'totp_disabled', sessionId);
      this.audit.record('mfa.disabled', {
        actorId: user.id,
        targetId: user.id,
        details: { method: 'totp', sessions_ended: ended },
      });
      await this.em.flush();
    });
  }

  /** An admin removes every factor of an account (app, recovery codes, passkeys); its sessions end. Audited. */
  async adminReset(targetId: number, actor: User): Promise<void> {
    await this.users.getById(targetId);
    await inTransaction(this.em, async () => {
      const before = await factorsOf(this.em, targetId);
      for (const entity of [TotpFactor, RecoveryCode, Passkey, MfaChallenge, WebAuthnChallenge] as const) {
        await this.em.nativeDelete(entity, { userId: targetId });
      }
      await this.em.nativeUpdate(User, { id: targetId }, { mfaEnabled: false });
      const ended = await this.sessions.revokeAll(targetId, 'mfa_reset_by_admin');
      this.audit.record('admin.mfa_reset', {
        actorId: actor.id,
        targetId,
        details: {
          totp: before.totp,
          passkeys: before.passkeys,
          recovery_codes: before.recoveryCodesLeft,
          sessions_ended: ended,
        },
      });
      if (before.totp) {
        this.audit.record('mfa.disabled', {
          actorId: actor.id,
          targetId,
          details: { method: 'totp', by: 'admin' },
        });
      }
      await this.em.flush();
    });
  }

  /**
   * Checks a code from the authenticator app, or spends a recovery code, for the account; answers which (`otp` or
   * `rc`). A wrong one is audited and refused with `failure`; past the account's limit, RATE_LIMITED.
   */
  async verifyProof(userId: number, proof: MfaProof, failure: CodeFailure): Promise<'otp' | 'rc'> {
    const factor = await this.em.findOne(TotpFactor, { userId, confirmedAt: { $ne: null } });
    if (!factor) throw new AppError('MFA_METHOD_UNAVAILABLE');
    const { code, recovery_code: recoveryCode } = proof;
    if (code !== undefined) {
      await this.guarded(userId, 'totp', () => this.acceptTotp(factor, code), failure);
      return 'otp';
    }
    await this.guarded(
      userId,
      'recovery_code',
      () => this.spendRecoveryCode(userId, recoveryCode ?? ''),
      failure,
    );
    const remaining = await this.em.count(RecoveryCode, { userId, usedAt: null });
    await this.em.fork().transactional(async (em) => {
      this.audit.record(
        'mfa.recovery_code_used',
        { actorId: userId, targetId: userId, details: { remaining } },
        em,
      );
    });
    return 'rc';
  }

  /**
   * Runs one code check within the account's limit: the attempt is charged before it runs (so concurrent guesses
   * count one by one) and refunded when it was right.
   */
  private async guarded(
    userId: number,
    method: 'totp' | 'recovery_code',
    check: () => Promise<boolean>,
    failure: CodeFailure,
  ): Promise<void> {
    await chargeCodeAttempt(this.em, userId);
    if (await check()) {
      await this.em.nativeUpdate(
        TotpFactor,
        { userId, failedCount: { $gt: 0 } },
        { failedCount: raw('failed_count - 1') },
      );
      return;
    }
    await this.em.fork().transactional(async (em) => {
      this.audit.record('mfa.code_failed', { actorId: userId, targetId: userId, details: { method } }, em);
    });
    throw new AppError(failure);
  }

  /** True when `code` is the app's code for a time step after the last one accepted; that step is then used. */
  private async acceptTotp(factor: TotpFactor, code: string): Promise<boolean> {
    const box = this.keys.box;
    const secret = box.open(factor.secretEncrypted, factor.userId);
    if (secret === null) {
      throw new Error(
        `The TOTP secret of account ${factor.userId} does not decrypt: was MFA_ENCRYPTION_KEY lost?`,
      );
    }
    const step = matchingStep(secret, code);
    if (step === null) return false;
    // A secret sealed under an older key moves to the current one with this use.
    const reseal = box.isStale(factor.secretEncrypted)
      ? { secretEncrypted: box.seal(secret, factor.userId) }
      : {};
    const accepted = await this.em.nativeUpdate(
      TotpFactor,
      { userId: factor.userId, $or: [{ lastUsedStep: null }, { lastUsedStep: { $lt: step } }] },
      { lastUsedStep: step, ...reseal },
    );
    return accepted === 1;
  }

  private async spendRecoveryCode(userId: number, code: string): Promise<boolean> {
    const codeHash = recoveryCodeHash(this.keys.recovery, code);
    const spent = await this.em.nativeUpdate(
      RecoveryCode,
      { userId, codeHash, usedAt: null },
      { usedAt: new Date() },
    );
    return spent === 1;
  }

  private async replaceRecoveryCodes(userId: number, codes: string[]): Promise<void> {
    await this.em.nativeDelete(RecoveryCode, { userId });
    const createdAt = new Date();
    await this.em.insertMany(
      RecoveryCode,
      codes.map((code) => ({
        userId,
        codeHash: recoveryCodeHash(this.keys.recovery, code),
        createdAt,
        usedAt: null,
      })),
    );
  }
}
