import { createHmac } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { WebAuthnChallenge, type WebAuthnPurpose } from '@roster/db';
import type { ApiSettings } from '../settings.js';
import { MFA_TOKEN_TTL_MS } from './mfa-state.js';
import { hashToken } from './secrets.js';

/** The WebAuthn relying party Roster is, and the single-use challenges of its ceremonies. */

export interface RelyingParty {
  /** The RP ID: a registrable domain (never an IP address: browsers refuse those). */
  id: string;
  name: string;
  /** The origins the browser may report (`clientDataJSON.origin`). */
  origins: string[];
}

/**
 * WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS when set; otherwise PUBLIC_URL's host and origin. Read per ceremony: without
 * PUBLIC_URL the server fills `publicUrl` in once it listens.
 */
export function relyingParty(settings: Pick<ApiSettings, 'publicUrl' | 'webauthn' | 'mfa'>): RelyingParty {
  const base = settings.publicUrl ? new URL(settings.publicUrl) : null;
  const origins = settings.webauthn?.origins ?? [];
  return {
    id: settings.webauthn?.rpId ?? base?.hostname ?? 'localhost',
    name: settings.mfa?.issuer ?? 'Roster',
    origins: origins.length > 0 ? origins : base ? [base.origin] : [],
  };
}

/** The account's WebAuthn user handle: an HMAC of its id, the same for all its passkeys, and no id in clear. */
export function userHandle(key: Buffer, userId: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(createHmac('sha256', key).update(`user:${userId}`).digest());
}

/** The challenge a response answers, as the browser signed it into clientDataJSON; null when unreadable. */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof data.challenge === 'string' ? data.challenge : null;
  } catch {
    return null;
  }
}

/** Remembers a challenge handed out (its hash), for five minutes. */
export async function storeChallenge(
  em: EntityManager,
  challenge: string,
  purpose: WebAuthnPurpose,
  userId: number | null,
): Promise<void> {
  const now = new Date();
  await em.nativeDelete(WebAuthnChallenge, { expiresAt: { $lt: now } });
  await em.insert(WebAuthnChallenge, {
    challengeHash: hashToken(challenge),
    purpose,
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + MFA_TOKEN_TTL_MS),
  });
}

/**
 * Spends the challenge a response answers: it must have been handed out for this purpose (and account), within five
 * minutes, and not spent before. Answers the challenge, or null.
 */
export async function spendChallenge(
  em: EntityManager,
  clientDataJSON: string,
  purpose: WebAuthnPurpose,
  userId: number | null,
): Promise<string | null> {
  const challenge = challengeOf(clientDataJSON);
  if (challenge === null) return null;
  const spent = await em.nativeDelete(WebAuthnChallenge, {
    challengeHash: hashToken(challenge),
    purpose,
    userId,
    expiresAt: { $gt: new Date() },
  });
  return spent === 1 ? challenge : null;
}
