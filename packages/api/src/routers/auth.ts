import { z } from 'zod';
import { loginInput, registerInput, tokenSchema, userSchema } from '../schemas/user.js';
import { rateLimit } from '../ratelimit/middleware.js';
import { acceptedSchema } from '../schemas/session.js';
import { toTokenOut, toUserOut } from '../services/serialize.js';
import { meSchema } from '../schemas/impersonation.js';
import { authedProcedure, publicProcedure, router } from '../trpc.js';
import { apiKeyProcedures } from './api-keys.js';
import { passwordProcedures } from './auth-password.js';
import { sessionProcedures } from './auth-sessions.js';

/** The one answer to a registration when REQUIRE_VERIFIED_EMAIL=true, whether or not the email had an account. */
const REGISTRATION_ACCEPTED = 'Check your inbox to confirm your address';

export const authRouter = router({
  register: publicProcedure
    .meta({
      errors: ['USER_ALREADY_EXISTS', 'USERNAME_TAKEN'],
      successStatus: 201,
      alternativeSuccess: {
        status: 202,
        description: 'REQUIRE_VERIFIED_EMAIL=true: accepted; a mail is on its way to the address',
      },
      openapi: {
        method: 'POST',
        path: '/auth/register',
        protect: false,
        summary: 'Register a new account',
        description:
          'Creates an account. Email is normalized; username is unique case-insensitively. With ' +
          'REQUIRE_VERIFIED_EMAIL=true registration does not reveal whether an email has an account: a new ' +
          'and a known address both answer 202 with the same body (the new account gets a verification link, ' +
          'the existing owner a notice), and 409 is for a taken username only.',
        successDescription: 'The account was created',
      },
    })
    .input(registerInput)
    .use(rateLimit('register'))
    .output(z.union([userSchema, acceptedSchema]))
    .mutation(async ({ ctx, input }) => {
      if (ctx.deps.settings.requireVerifiedEmail) {
        // Counted whether or not the address was new: a counter that moved for new addresses only would tell a
        // reader of /metrics what this answer is careful not to tell the caller.
        await ctx.account.registerQuietly(input);
        ctx.deps.events.emit({ type: 'registration' });
        return { detail: REGISTRATION_ACCEPTED };
      }
      const user = await ctx.users.register(input);
      ctx.deps.events.emit({ type: 'registration' });
      return toUserOut(user);
    }),

  login: publicProcedure
    .meta({
      errors: ['INVALID_CREDENTIALS', 'MFA_REQUIRED', 'ACCOUNT_DEACTIVATED', 'EMAIL_NOT_VERIFIED'],
      openapi: {
        method: 'POST',
        path: '/auth/login',
        protect: false,
        contentTypes: ['application/x-www-form-urlencoded', 'application/json'],
        summary: 'Log in',
        description:
          'OAuth2 password flow: `username` (email or username) and `password`, as a form or as JSON. ' +
          'Returns a bearer access token (its `amr` claim: ["pwd"]) and a refresh token bound to a new session.\n\n' +
          'For an account with a second factor the right password answers **401 MFA_REQUIRED** instead, with no ' +
          'token: `{"detail": "…", "code": "MFA_REQUIRED", "mfa_token": "kGm2y8vC…", "methods": ["totp", ' +
          '"recovery_code", "webauthn"]}`. The `mfa_token` (single use, five minutes) completes the login at ' +
          'POST /auth/login/mfa (a code or a recovery code) or /auth/login/mfa/webauthn/verify (a passkey).',
      },
    })
    .input(loginInput)
    .use(rateLimit('login'))
    .output(tokenSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await ctx.auth.login(input.username ?? input.email ?? '', input.password);
      return toTokenOut(result, result.user);
    }),

  me: authedProcedure
    .meta({
      scope: 'profile:read',
      readCache: true,
      openapi: {
        method: 'GET',
        path: '/auth/me',
        summary: 'The current account',
        description:
          'The account the bearer token belongs to, as the database says it is now: a deactivated account ' +
          'is refused. Under an impersonation token, `impersonator` names the admin acting as the account.',
      },
    })
    .input(z.void())
    .output(meSchema)
    .query(({ ctx }) => {
      const { impersonator } = ctx;
      if (!impersonator) return toUserOut(ctx.user);
      return { ...toUserOut(ctx.user), impersonator: { id: impersonator.id, email: impersonator.email } };
    }),

  ...sessionProcedures,
  ...passwordProcedures,
  ...apiKeyProcedures,
});
