/**
 * What happened, for counters and dashboards (the server turns these into Prometheus metrics). Never carries a
 * secret or a personal datum: outcomes and procedure names only. Nor may an event tell more than the response
 * it goes with: an unknown account and a wrong password are both `invalid_credentials`, and a registration that
 * does not reveal whether the address had an account is counted either way.
 */
export type ApiEvent =
  | { type: 'registration' }
  | { type: 'login'; outcome: 'success' | 'invalid_credentials' | 'deactivated' | 'unverified' }
  | { type: 'refresh'; outcome: 'success' | 'grace' | 'reuse' | 'invalid' }
  | { type: 'rate_limited'; procedure: string };

export interface ApiEvents {
  emit(event: ApiEvent): void;
}

/** The default: nobody listens. */
export const noEvents: ApiEvents = { emit: () => undefined };
