export {
  createRosterClient,
  type RosterClient,
  type RosterClientOptions,
  type RosterHelpers,
} from './client.js';
export { RosterError, isRosterError, type RosterErrorCode, type RosterErrorIssue } from './errors.js';
export {
  isRegistrationAccepted,
  registeredUser,
  type RegisterResult,
  type RegisteredUser,
  type RegistrationAccepted,
} from './register.js';
export { memoryStorage, webStorage, type StorageLike, type TokenStorage } from './storage.js';
export type { AppRouter, RouterInputs, RouterOutputs } from './router.js';
