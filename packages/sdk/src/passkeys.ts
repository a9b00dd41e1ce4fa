import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type { RosterClient } from './client.js';
import type { LoginSession } from './login.js';
import type { AssertionCeremony } from './mfa.js';
import type { Passkey, RegistrationCeremony } from './passkey-helpers.js';

/**
 * `@roster/sdk/passkeys`: the browser's side of passkeys, through `@simplewebauthn/browser` (an optional peer of
 * the SDK, needed only by this entry). Server-side and Node users of `@roster/sdk` never load it.
 *
 * Import `registerPasskey`, `signInWithPasskey` and `verifyWithPasskey` from `@roster/sdk/passkeys`, and hand
 * them the client made with `createRosterClient` from `@roster/sdk`:
 *
 *     await registerPasskey(roster, { name: 'Laptop' }); // signed in
 *     await signInWithPasskey(roster);                    // later, with no password
 */

export { browserSupportsWebAuthn };

/** The browser's registration ceremony: navigator.credentials.create with Roster's options. */
export const createPasskey: RegistrationCeremony = (options) => startRegistration({ optionsJSON: options });

/** The browser's authentication ceremony: navigator.credentials.get with Roster's options. */
export const usePasskey: AssertionCeremony = (options) => startAuthentication({ optionsJSON: options });

/** Registers a passkey of this device for the signed-in account. */
export function registerPasskey(roster: RosterClient, opts: { name?: string } = {}): Promise<Passkey> {
  return roster.passkeys.register(createPasskey, opts);
}

/** Signs in with a passkey alone (discoverable: no username either); the client keeps the session. */
export function signInWithPasskey(roster: RosterClient): Promise<LoginSession> {
  return roster.passkeys.signIn(usePasskey);
}

/** Completes a login that answered `mfa_required` (with "webauthn" among its methods) with a passkey. */
export function verifyWithPasskey(roster: RosterClient, mfaToken: string): Promise<LoginSession> {
  return roster.mfa.verifyWithPasskey(mfaToken, usePasskey);
}
