export { createRosterClient, type RosterClient, type RosterClientOptions } from './client.js';
export { RosterError, isRosterError, type RosterErrorIssue } from './errors.js';
export type { AppRouter, RouterInputs, RouterOutputs } from '@roster/api';
