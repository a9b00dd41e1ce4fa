import { MfaChallenge, TotpFactor } from '@roster/db';
import { freshTotpWindow, totpCode, type SoftAuthenticator } from '@roster/testing';
import { toErrorResponse, type ErrorBody } from '../errors.js';
import { PASSWORD, type Account, type Harness } from './harness.js';

/** Test-only helpers for the second-factor suites. */

export interface Enrolled {
  secret: string;
  codes: string[];
}

/** Turns an authenticator app on for `account`: setup, then a code confirms it. */
export async function enrolTotp(h: Harness, account: Account): Promise<Enrolled> {
  const caller = h.caller(account.token);
  const setup = await caller.auth.mfa.setupTotp({ password: PASSWORD });
  await freshTotpWindow();
  const { recovery_codes: codes } = await caller.auth.mfa.confirmTotp({ code: totpCode(setup.secret) });
  // The confirming code's step is used: let the next check in the test take the current one again.
  await forgetLastStep(h, account.id);
  return { secret: setup.secret, codes };
}

/** Lets the code of the current step be accepted again (as if the last one used were older). */
export async function forgetLastStep(h: Harness, userId: number): Promise<void> {
  await h.db.orm.em.fork().nativeUpdate(TotpFactor, { userId }, { lastUsedStep: null });
}

/** The body of the refusal a call ends with (MFA_REQUIRED carries mfa_token and methods). */
export async function refusalOf(
  promise: Promise<unknown>,
): Promise<{ status: number; body: ErrorBody; headers: Record<string, string> }> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  return toErrorResponse(error);
}

/** Logs in with the password and answers the pending second step (`mfa_token`, `methods`). */
export async function passwordStep(h: Harness, email: string, password = PASSWORD) {
  const refused = await refusalOf(h.caller().auth.login({ username: email, password }));
  if (refused.body.code !== 'MFA_REQUIRED')
    throw new Error(`expected MFA_REQUIRED, got ${refused.body.code}`);
  return { token: refused.body.mfa_token!, methods: refused.body.methods!, status: refused.status };
}

/** Moves a pending login's expiry (the past: expired). */
export async function expireMfaTokens(h: Harness, userId: number): Promise<void> {
  await h.db.orm.em.fork().nativeUpdate(MfaChallenge, { userId }, { expiresAt: new Date(Date.now() - 1000) });
}

/** Registers a passkey of `device` for `account` (the harness's PUBLIC_URL must be the device's origin). */
export async function registerPasskey(
  h: Harness,
  account: Account,
  device: SoftAuthenticator,
  name?: string,
): Promise<number> {
  const me = h.caller(account.token).auth.passkeys;
  const options = await me.registerOptions();
  const passkey = await me.register({ response: device.create(options), ...(name ? { name } : {}) });
  return passkey.id;
}
