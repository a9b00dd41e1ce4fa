import { toErrorResponse } from '../errors.js';
import type { ApiEvents } from '../events.js';
import { ipKey } from './rules.js';
import { RateLimitedError, type CallOutcome, type RateLimits } from './service.js';

/** Wrong passwords count as failures; anything else a call ends with is refunded. */
function outcomeOf(error: unknown): CallOutcome {
  const code = toErrorResponse(error).body.code;
  return code === 'INVALID_CREDENTIALS' || code === 'WRONG_PASSWORD' ? 'credential_failure' : 'other_failure';
}

/**
 * Every password check goes through here: login (`login`: failures per account and IP, and per account) and every
 * check of a signed-in caller's password (`reauth`: failures per account and per IP, counted apart from login's so
 * that a stolen token guessing passwords never locks the owner out of login). Over a limit: RATE_LIMITED (429).
 */
export class CredentialChecks {
  constructor(
    private readonly limits: RateLimits,
    private readonly events: ApiEvents,
  ) {}

  /**
   * Runs `check` (a password verification that throws on a wrong password) within `rule`'s limits for `account`
   * (`accountIdKey` of a found account, else `accountKey` of the name given) calling from `ip`.
   */
  async guard<T>(
    rule: 'login' | 'reauth',
    who: { ip: string | null; account: string },
    check: () => Promise<T>,
  ): Promise<T> {
    let admission;
    try {
      admission = await this.limits.admitCredentials(rule, ipKey(who.ip), who.account);
    } catch (error) {
      if (error instanceof RateLimitedError) {
        this.events.emit({ type: 'rate_limited', procedure: rule === 'login' ? 'auth.login' : 'reauth' });
      }
      throw error;
    }
    let result: T;
    try {
      result = await check();
    } catch (error) {
      await admission.settle(outcomeOf(error));
      throw error;
    }
    await admission.settle('success');
    return result;
  }
}
