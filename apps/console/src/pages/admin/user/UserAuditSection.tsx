import { useCallback } from 'react';
import { useSession } from '../../../app/session';
import { useQuery } from '../../../app/use-api';
import { AuditTable } from '../../../components/AuditTable';
import { Link } from '../../../components/Link';
import { ErrorMessage, Loading } from '../../../components/status';

/** The latest events about this account; the full trail is in the audit log, filtered to it. */
export function UserAuditSection({ id }: { id: number }) {
  const { client } = useSession();
  const events = useQuery(
    useCallback(
      (signal: AbortSignal) => client.admin.audit.query({ target_id: id, limit: 20 }, { signal }),
      [client, id],
    ),
  );
  return (
    <section className="card" aria-labelledby="user-audit-heading">
      <h2 id="user-audit-heading">Audit trail</h2>
      {events.loading && !events.data ? <Loading what="Loading events…" /> : null}
      <ErrorMessage error={events.error} />
      {events.data ? <AuditTable events={events.data.items} caption="Events about this account" /> : null}
      <p>
        <Link to={`/admin/audit?target=${id}`}>Every event about this account in the audit log</Link>
      </p>
    </section>
  );
}
