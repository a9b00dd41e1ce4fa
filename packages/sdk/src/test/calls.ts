import { expect } from 'vitest';
import type { RosterError } from '../index.js';

/** What a call rejected with: Roster's code and the HTTP status (the test fails if it resolved). */
export async function failure(call: Promise<unknown>): Promise<Pick<RosterError, 'code' | 'status'>> {
  const error = (await call.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e,
  )) as RosterError;
  return { code: error.code, status: error.status };
}
