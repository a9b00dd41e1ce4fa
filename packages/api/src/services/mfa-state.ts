import { raw, type EntityManager } from '@mikro-orm/core';
import { MfaChallenge, Passkey, RecoveryCode, TotpFactor, User } from '@roster/db';
import { AppError, type MfaMethod } from '../errors.js';
import { RateLimitedError } from '../ratelimit/service.js';
import { hashToken, newOpaqueToken } from './secrets.js';

/** What an account's second factors are, and the pending second step of its password logins. */

/** How long an `mfa_token` (and a WebAuthn challenge) lives. */
export const MFA_TOKEN_TTL_MS = 5 * 60_000;
/** Wrong answers one `mfa_token` may take before it is refused (429). */
export const MFA_TOKEN_ATTEMPTS = 5;
/** Wrong codes one account may take, across every check, per window (429 until it ends). */
export const ACCOUNT_CODE_FAILURES = { points: 10, windowMs: 15 * 60_000 };

export interface FactorSummary {
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
}

export async function factorsOf(em: EntityManager, userId: number): Promise<FactorSummary> {
  const [totp, passkeys, recoveryCodesLeft] = await Promise.all([
    em.count(TotpFactor, { userId, confirmedAt: { $ne: null } }),
    em.count(Passkey, { userId }),
    em.count(RecoveryCode, { userId, usedAt: null }),
  ]);
  return { totp: totp > 0, passkeys, recoveryCodesLeft };
}

/** The second factors a pending login can be completed with. */
export function methodsOf(factors: FactorSummary): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (factors.totp) methods.push('totp');
  if (factors.recoveryCodesLeft > 0) methods.push('recovery_code');
  if (factors.passkeys > 0) methods.push('webauthn');
  return methods;
}

/**
 * Writes `users.mfa_enabled` from the factors the account has now (a confirmed app or a passkey), inside the
 * transaction that changed them. Returns the new value.
 */
export async function syncMfaEnabled(em: EntityManager, userId: number): Promise<boolean> {
  const { totp, passkeys } = await factorsOf(em, userId);
  const enabled = totp || passkeys > 0;
  await em.nativeUpdate(User, { id: userId }, { mfaEnabled: enabled });
  return enabled;
}

/** Opens the second step of a password login: the single-use `mfa_token` (only its hash is stored). */
export async function startMfaChallenge(em: EntityManager, userId: number): Promise<string> {
  const now = new Date();
  // Expired steps are swept here, where new ones are made: the table holds what is live, and little else.
  await em.nativeDelete(MfaChallenge, { expiresAt: { $lt: now } });
  const token = newOpaqueToken();
  await em.insert(MfaChallenge, {
    tokenHash: hashToken(token),
    userId,
    attempts: 0,
    createdAt: now,
    expiresAt: new Date(now.getTime() + MFA_TOKEN_TTL_MS),
  });
  return token;
}

/**
 * Counts one code check against the account's window (a fixed window from its first failure, on its TOTP row):
 * past ACCOUNT_CODE_FAILURES, RateLimitedError until the window ends.
 */
export async function chargeCodeAttempt(em: EntityManager, userId: number): Promise<void> {
  const now = new Date();
  const { points, windowMs } = ACCOUNT_CODE_FAILURES;
  const cutoff = new Date(now.getTime() - windowMs);
  const opened = await em.nativeUpdate(
    TotpFactor,
    { userId, $or: [{ failedSince: null }, { failedSince: { $lte: cutoff } }] },
    { failedCount: 1, failedSince: now },
  );
  if (opened > 0) return;
  const counted = await em.nativeUpdate(
    TotpFactor,
    { userId, failedSince: { $gt: cutoff }, failedCount: { $lt: points } },
    { failedCount: raw('failed_count + 1') },
  );
  if (counted > 0) return;
  const row = await em.fork().findOne(TotpFactor, { userId }, { fields: ['userId', 'failedSince'] });
  if (!row) throw new AppError('MFA_METHOD_UNAVAILABLE');
  const until = (row.failedSince?.getTime() ?? now.getTime()) + windowMs;
  throw new RateLimitedError(Math.max(1, Math.ceil((until - Date.now()) / 1000)));
}
