import type { TRPCClient } from '@trpc/client';
import type { LoginSession } from './login.js';
import type { AppRouter, RouterInputs, RouterOutputs } from './router.js';

/** An authenticator code or a recovery code: a second factor as a person gives it. */
export type MfaProof = { code: string; recoveryCode?: never } | { recoveryCode: string; code?: never };

/** The browser's answer to request options (what `@simplewebauthn/browser`'s startAuthentication gives). */
export type PasskeyAssertion = RouterInputs['auth']['passkeys']['login']['response'];
export type PasskeyRequestOptions = RouterOutputs['auth']['passkeys']['loginOptions'];
/** Runs the browser's side of a sign-in with the options (see `@roster/sdk/passkeys`). */
export type AssertionCeremony = (options: PasskeyRequestOptions) => Promise<PasskeyAssertion>;

export interface MfaHelpers {
  /** Completes a login that answered `mfa_required`, with a code or a recovery code; keeps the session. */
  verify(input: { mfaToken: string } & MfaProof, opts?: { signal?: AbortSignal }): Promise<LoginSession>;
  /** Completes it with a passkey: `ceremony` runs the browser's side (`@roster/sdk/passkeys` does). */
  verifyWithPasskey(mfaToken: string, ceremony: AssertionCeremony): Promise<LoginSession>;
  /** The caller's second factors: `{ totp, passkeys, recovery_codes_left }`. */
  status(): Promise<RouterOutputs['auth']['mfa']['status']>;
  /** Starts an authenticator app (needs the password): `{ secret, otpauth_url, qr_svg }`. */
  setupTotp(password: string): Promise<RouterOutputs['auth']['mfa']['setupTotp']>;
  /** Turns it on with a code from it; answers the ten recovery codes (shown only this once). */
  confirmTotp(code: string): Promise<string[]>;
  /** A new set of recovery codes (the old one stops working). */
  regenerateRecoveryCodes(input: { password: string } & MfaProof): Promise<string[]>;
  /** Turns the authenticator app off (and its recovery codes). */
  disableTotp(input: { password: string } & MfaProof): Promise<void>;
}

const proofOf = (input: MfaProof) =>
  input.code !== undefined ? { code: input.code } : { recovery_code: input.recoveryCode as string };

/** The `mfa.*` helpers over the client's tRPC calls; `establish` keeps a session a call opens. */
export function mfaHelpers(
  trpc: TRPCClient<AppRouter>,
  establish: (open: () => Promise<RouterOutputs['auth']['login']>) => Promise<LoginSession>,
): MfaHelpers {
  const mfa = trpc.auth.mfa;
  return {
    verify: ({ mfaToken, ...proof }, o) =>
      establish(() => mfa.verify.mutate({ mfa_token: mfaToken, ...proofOf(proof as MfaProof) }, o)),
    async verifyWithPasskey(mfaToken, ceremony) {
      const options = await mfa.passkeyOptions.mutate({ mfa_token: mfaToken });
      const response = await ceremony(options);
      return establish(() => mfa.passkeyVerify.mutate({ mfa_token: mfaToken, response }));
    },
    status: () => mfa.status.query(),
    setupTotp: (password) => mfa.setupTotp.mutate({ password }),
    confirmTotp: async (code) => (await mfa.confirmTotp.mutate({ code })).recovery_codes,
    regenerateRecoveryCodes: async ({ password, ...proof }) =>
      (await mfa.regenerateRecoveryCodes.mutate({ password, ...proofOf(proof as MfaProof) })).recovery_codes,
    disableTotp: async ({ password, ...proof }) => {
      await mfa.disableTotp.mutate({ password, ...proofOf(proof as MfaProof) });
    },
  };
}
