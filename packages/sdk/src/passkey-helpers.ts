import type { TRPCClient } from '@trpc/client';
import type { LoginSession } from './login.js';
import type { AssertionCeremony } from './mfa.js';
import type { AppRouter, RouterInputs, RouterOutputs } from './router.js';

export type Passkey = RouterOutputs['auth']['passkeys']['list'][number];
export type PasskeyCreationOptions = RouterOutputs['auth']['passkeys']['registerOptions'];
/** The browser's answer to creation options (what `@simplewebauthn/browser`'s startRegistration gives). */
export type PasskeyAttestation = RouterInputs['auth']['passkeys']['register']['response'];
/** Runs the browser's side of a registration with the options (see `@roster/sdk/passkeys`). */
export type RegistrationCeremony = (options: PasskeyCreationOptions) => Promise<PasskeyAttestation>;

export interface PasskeyHelpers {
  /** The caller's passkeys, oldest first. */
  list(): Promise<Passkey[]>;
  rename(id: number, name: string): Promise<Passkey>;
  /**
   * Deletes one, after the account's current password (a wrong one: `WRONG_PASSWORD`); it signs nobody in from
   * then on.
   */
  remove(id: number, password: string): Promise<void>;
  /** Registers a passkey for the signed-in account: `ceremony` runs the browser's side. */
  register(ceremony: RegistrationCeremony, opts?: { name?: string }): Promise<Passkey>;
  /** Signs in with a passkey alone (no password, no username) and keeps the session (`amr: ["hwk"]`). */
  signIn(ceremony: AssertionCeremony): Promise<LoginSession>;
}

/** The `passkeys.*` helpers: what needs no browser API. The browser's side is in `@roster/sdk/passkeys`. */
export function passkeyHelpers(
  trpc: TRPCClient<AppRouter>,
  establish: (open: () => Promise<RouterOutputs['auth']['login']>) => Promise<LoginSession>,
): PasskeyHelpers {
  const passkeys = trpc.auth.passkeys;
  return {
    list: () => passkeys.list.query(),
    rename: (id, name) => passkeys.rename.mutate({ id, name }),
    remove: async (id, password) => {
      await passkeys.remove.mutate({ id, password });
    },
    async register(ceremony, opts = {}) {
      const options = await passkeys.registerOptions.mutate();
      const response = await ceremony(options);
      return passkeys.register.mutate({ response, ...(opts.name ? { name: opts.name } : {}) });
    },
    async signIn(ceremony) {
      const options = await passkeys.loginOptions.mutate();
      const response = await ceremony(options);
      return establish(() => passkeys.login.mutate({ response }));
    },
  };
}
