import { useCallback, useState } from 'react';
import { useActing, useSession } from '../../app/session';
import { useAction, useQuery } from '../../app/use-api';
import { SessionsTable, type SessionRow } from '../../components/SessionsTable';
import { ErrorMessage, Loading } from '../../components/status';

/** The account's live sessions, this device marked; revoke any other, or sign out everywhere. */
export function SessionsSection() {
  const { client, expire } = useSession();
  // Acting as the account, the list is readable but ending sessions is the owner's (and the API refuses it).
  const acting = useActing();
  const load = useCallback(
    (signal: AbortSignal) => client.auth.sessions.query(undefined, { signal }),
    [client],
  );
  const sessions = useQuery(load);
  const [revoking, setRevoking] = useState<string | null>(null);
  const revoke = useAction(async (session: SessionRow) => {
    await client.auth.revokeSession.mutate({ id: session.id });
    return true;
  });
  const everywhere = useAction(async () => {
    await client.auth.logoutAll.mutate();
    return true;
  });

  const onRevoke = async (session: SessionRow) => {
    setRevoking(session.id);
    if (await revoke.run(session)) sessions.reload();
    setRevoking(null);
  };
  const onEverywhere = async () => {
    if (await everywhere.run()) expire('You signed out on every device.');
  };

  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      <p className="muted">
        {acting
          ? `Where ${acting.as.user.username} is signed in now; “This device” is your impersonation.`
          : 'Where your account is signed in now. Revoking a session signs that device out at once.'}
      </p>
      {sessions.loading && !sessions.data ? <Loading what="Loading sessions…" /> : null}
      <ErrorMessage error={sessions.error ?? revoke.error ?? everywhere.error} />
      {sessions.data ? (
        <SessionsTable
          sessions={sessions.data}
          caption="Your sessions"
          onRevoke={acting ? undefined : (s) => void onRevoke(s)}
          revoking={revoking}
        />
      ) : null}
      <div className="actions">
        <button type="button" className="button-quiet" onClick={sessions.reload}>
          Refresh list
        </button>
        {acting ? null : (
          <button
            type="button"
            className="button-danger"
            disabled={everywhere.pending}
            onClick={() => void onEverywhere()}
          >
            Sign out on every device
          </button>
        )}
      </div>
    </section>
  );
}
