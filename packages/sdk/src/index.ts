export {
  createRosterClient,
  type RosterClient,
  type RosterClientOptions,
  type RosterHelpers,
} from './client.js';
export { RosterError, isRosterError, type RosterErrorCode, type RosterErrorIssue } from './errors.js';
export {
  isMfaRequired,
  loginSession,
  type LoginResult,
  type LoginSession,
  type MfaMethod,
  type MfaRequired,
} from './login.js';
export {
  type AssertionCeremony,
  type MfaHelpers,
  type MfaProof,
  type PasskeyAssertion,
  type PasskeyRequestOptions,
} from './mfa.js';
export {
  type Passkey,
  type PasskeyAttestation,
  type PasskeyCreationOptions,
  type PasskeyHelpers,
  type RegistrationCeremony,
} from './passkey-helpers.js';
export {
  isRegistrationAccepted,
  registeredUser,
  type RegisterResult,
  type RegisteredUser,
  type RegistrationAccepted,
} from './register.js';
export { memoryStorage, webStorage, type StorageLike, type TokenStorage } from './storage.js';
export type { AppRouter, RouterInputs, RouterOutputs } from './router.js';
