import type { RouterOutputs } from './router.js';

/** What registering answers: the new account (the default), or an acceptance (REQUIRE_VERIFIED_EMAIL=true). */
export type RegisterResult = RouterOutputs['auth']['register'];
/** The account record a registration answers with by default. */
export type RegisteredUser = Exclude<RegisterResult, { detail: string }>;
/** The answer when the server requires verified emails: a mail went to the address, no account is shown. */
export type RegistrationAccepted = Extract<RegisterResult, { detail: string }>;

/**
 * True when the server only accepted the registration (REQUIRE_VERIFIED_EMAIL=true: the same answer whether or
 * not the email already had an account); false when it answered with the new account.
 */
export function isRegistrationAccepted(result: RegisterResult): result is RegistrationAccepted {
  return !('id' in result);
}

/** The new account a registration answered with; throws when the server only accepted it. */
export function registeredUser(result: RegisterResult): RegisteredUser {
  if (isRegistrationAccepted(result)) {
    throw new Error(`The server accepted the registration without an account record: ${result.detail}`);
  }
  return result;
}
