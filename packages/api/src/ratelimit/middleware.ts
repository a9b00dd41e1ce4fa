import { middleware } from '../trpc.js';
import { accountKey, ipKey, tokenKey, type RateLimitRule } from './rules.js';
import { RateLimitedError } from './service.js';

export interface RateLimitOptions {
  /**
   * The account or token the call is about, from the parsed input (hashed before it is used). By default:
   * register and passwordForgot → `email`; refresh → `refresh_token` or `token`; passwordReset and verify →
   * `token`; mfa → `mfa_token`; passkeyLogin → none (per IP only). Logins and re-authentications are counted
   * per account where the password is checked (CredentialChecks), not here.
   */
  subject?: (input: unknown) => string | null | undefined;
}

function field(input: unknown, ...names: string[]): unknown {
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as Record<string, unknown>;
  for (const name of names) if (typeof record[name] === 'string' && record[name] !== '') return record[name];
  return undefined;
}

const SUBJECTS: Record<RateLimitRule, (input: unknown) => string | null> = {
  // Counted per account by the login itself, once the account is found (CredentialChecks).
  login: () => null,
  register: (input) => accountKey(field(input, 'email')),
  passwordForgot: (input) => accountKey(field(input, 'email')),
  refresh: (input) => tokenKey(field(input, 'refresh_token', 'token')),
  passwordReset: (input) => tokenKey(field(input, 'token')),
  verify: (input) => tokenKey(field(input, 'token')),
  reauth: () => null,
  // Counted per key by the authentication itself (RateLimits.admitKey), on every procedure a key calls.
  apiKey: () => null,
  mfa: (input) => tokenKey(field(input, 'mfa_token')),
  passkeyLogin: () => null,
};

/**
 * Limits a procedure by `rule`, per procedure call (a batch of ten is ten calls): per IP, and per account or
 * token. Put it after `.input()` so the input it reads the subject from is parsed:
 *
 *     publicProcedure.meta(…).input(loginInput).use(rateLimit('login')).output(…).mutation(…)
 *
 * Over the limit the call fails with RATE_LIMITED (429, Retry-After) and a `rate_limited` event.
 */
export function rateLimit(rule: RateLimitRule, opts: RateLimitOptions = {}) {
  const given = opts.subject;
  const hash = rule === 'register' || rule === 'passwordForgot' ? accountKey : tokenKey;
  const subjectOf = given ? (input: unknown) => hash(given(input)) : SUBJECTS[rule];
  return middleware(async function rateLimited({ ctx, input, path, next }) {
    try {
      await ctx.deps.rateLimits.admit(rule, { ip: ipKey(ctx.ip), subject: subjectOf(input) });
    } catch (error) {
      if (error instanceof RateLimitedError) ctx.deps.events.emit({ type: 'rate_limited', procedure: path });
      throw error;
    }
    return next();
  });
}
