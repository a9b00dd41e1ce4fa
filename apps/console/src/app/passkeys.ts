import { passkeyBrowserMessage } from '../lib/mfa';

/**
 * The browser's side of passkeys (`@roster/sdk/passkeys`, with @simplewebauthn/browser), loaded only when a
 * passkey is used: the first load stays small.
 */
export function loadPasskeys() {
  return import('@roster/sdk/passkeys');
}

/** Runs a passkey ceremony, turning the browser's refusals into an Error that says what happened. */
export async function withPasskeyErrors<T>(ceremony: () => Promise<T>): Promise<T> {
  try {
    return await ceremony();
  } catch (error) {
    const message = passkeyBrowserMessage(error);
    if (message) throw new Error(message, { cause: error });
    throw error;
  }
}
