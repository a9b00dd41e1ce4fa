import { loadPasskeys, withPasskeyErrors } from '../../app/passkeys';
import { useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { ErrorMessage, useBlocked } from '../../components/status';
import { MFA_MESSAGES } from '../../lib/mfa';

/** "Sign in with a passkey": no username, no password; the browser offers the passkeys it holds for Roster. */
export function PasskeySignIn() {
  const { client, signedIn } = useSession();
  const { run, pending, error } = useAction(
    () =>
      withPasskeyErrors(async () => {
        const { signInWithPasskey } = await loadPasskeys();
        return signInWithPasskey(client);
      }),
    MFA_MESSAGES,
  );
  const blocked = useBlocked(pending, error);
  const start = async () => {
    const session = await run();
    if (session) signedIn(session);
  };
  return (
    <section className="signin-more" aria-labelledby="other-ways">
      <h2 id="other-ways">Other ways to sign in</h2>
      <p className="muted">With a passkey on this device or your phone you need no username or password.</p>
      <ErrorMessage error={error} />
      <button type="button" disabled={blocked} onClick={() => void start()}>
        {pending ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
      </button>
    </section>
  );
}
