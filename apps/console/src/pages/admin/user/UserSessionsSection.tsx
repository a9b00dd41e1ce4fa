import { useCallback, useState } from 'react';
import { useSession } from '../../../app/session';
import { useAction, useQuery } from '../../../app/use-api';
import { SessionsTable } from '../../../components/SessionsTable';
import { ErrorMessage, Loading, Success } from '../../../components/status';

/** The account's live sessions, and ending all of them. */
export function UserSessionsSection({ id }: { id: number }) {
  const { client } = useSession();
  const sessions = useQuery(
    useCallback((signal: AbortSignal) => client.admin.userSessions.query({ id }, { signal }), [client, id]),
  );
  const [ended, setEnded] = useState<number | null>(null);
  const revoke = useAction(() => client.admin.revokeUserSessions.mutate({ id }));
  const endAll = async () => {
    const result = await revoke.run();
    if (result) {
      setEnded(result.revoked);
      sessions.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="user-sessions-heading">
      <h2 id="user-sessions-heading">Sessions</h2>
      {sessions.loading && !sessions.data ? <Loading what="Loading sessions…" /> : null}
      <ErrorMessage error={sessions.error ?? revoke.error} />
      {sessions.data ? <SessionsTable sessions={sessions.data} caption="The account's sessions" /> : null}
      {ended !== null ? (
        <Success>{ended === 1 ? '1 session ended.' : `${ended} sessions ended.`}</Success>
      ) : null}
      <button
        type="button"
        className="button-danger"
        disabled={revoke.pending || (sessions.data?.length ?? 0) === 0}
        onClick={() => void endAll()}
      >
        End all sessions
      </button>
    </section>
  );
}
