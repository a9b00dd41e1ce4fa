import { useState } from 'react';
import { useSession } from '../../../app/session';
import { useAction } from '../../../app/use-api';
import { Confirm } from '../../../components/Confirm';
import { Badge, ErrorMessage } from '../../../components/status';
import type { AdminUserRecord } from './types';

/**
 * The account's second factors as an admin sees them (`mfa_enabled`), and a reset for an owner who lost every
 * factor and recovery code: every authenticator app, recovery code and passkey goes, and every session ends.
 */
export function UserMfaSection({
  user,
  onReload,
}: {
  user: AdminUserRecord;
  onReload: (notice?: string) => void;
}) {
  const { client } = useSession();
  const [confirming, setConfirming] = useState(false);
  const reset = useAction(async () => {
    await client.admin.resetMfa.mutate({ id: user.id });
    return true;
  });

  const confirm = async () => {
    if (await reset.run()) {
      setConfirming(false);
      onReload(
        `Two-step verification reset for ${user.username}: every factor is gone and their sessions have ended.`,
      );
    }
  };

  return (
    <section className="card" aria-labelledby="user-mfa-heading">
      <h2 id="user-mfa-heading">Two-step verification</h2>
      <p data-testid="user-mfa-status">
        {user.mfa_enabled ? (
          <>
            <Badge tone="ok">On</Badge> This account signs in with a second factor (an authenticator app or a
            passkey).
          </>
        ) : (
          <>
            <Badge tone="muted">Off</Badge> This account signs in with its password alone.
          </>
        )}
      </p>
      {user.mfa_enabled && !confirming ? (
        <button type="button" className="button-danger" onClick={() => setConfirming(true)}>
          Reset MFA
        </button>
      ) : null}
      {confirming ? (
        <Confirm
          id="confirm-mfa-reset"
          pending={reset.pending}
          confirmLabel={reset.pending ? 'Resetting…' : `Yes, reset MFA for ${user.username}`}
          onConfirm={() => void confirm()}
          onCancel={() => setConfirming(false)}
        >
          Reset two-step verification for {user.username}? Their authenticator app, recovery codes and
          passkeys are removed and they are signed out everywhere. Do this only when you are sure it is them
          asking.
        </Confirm>
      ) : null}
      <ErrorMessage error={reset.error} />
    </section>
  );
}
