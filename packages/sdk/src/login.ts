import type { RouterOutputs } from './router.js';
import { isRosterError } from './errors.js';

/** A second factor a login can be completed with: an authenticator code, a recovery code, a passkey. */
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn';

/** The session a login opened: Roster's login response (tokens, account), kept by the client. */
export type LoginSession = RouterOutputs['auth']['login'] & { status: 'authenticated' };

/**
 * The password was right and the account has a second factor: no session yet. Complete the login with
 * `mfa.verify({ mfaToken, code })` (or `recoveryCode`), or with a passkey (`@roster/sdk/passkeys`), within five
 * minutes. For callers written before second factors existed, the session's fields are typed `never` here, so code
 * that reads them without checking `status` keeps compiling; check `status` first.
 */
export type MfaRequired = {
  status: 'mfa_required';
  /** Single use, five minutes; names the account. */
  mfaToken: string;
  /** What the account can complete the login with. */
  methods: MfaMethod[];
  /** Roster's message, for people. */
  detail: string;
} & { readonly [K in keyof RouterOutputs['auth']['login']]: never };

/** What `login()` answers: the session, or the second step it needs. Discriminated by `status`. */
export type LoginResult = LoginSession | MfaRequired;

/** True when the login needs its second step. */
export function isMfaRequired(result: LoginResult): result is MfaRequired {
  return result.status === 'mfa_required';
}

/** The session a login answered with; throws when it needs a second factor first. */
export function loginSession(result: LoginResult): LoginSession {
  if (isMfaRequired(result)) {
    throw new Error(`The login needs a second factor (${result.methods.join(', ')}): ${result.detail}`);
  }
  return result;
}

/** The second step a failed login call asks for, when it is 401 MFA_REQUIRED; null for any other failure. */
export function mfaRequiredOf(error: unknown): MfaRequired | null {
  if (!isRosterError(error) || error.code !== 'MFA_REQUIRED' || !error.mfaToken) return null;
  return {
    status: 'mfa_required',
    mfaToken: error.mfaToken,
    methods: error.methods ?? [],
    detail: error.detail,
  } as MfaRequired;
}
