import type { RouterOutputs } from '@roster/sdk';
import { describeAction, describeDetails, describeUserAgent, formatDateTime } from '../lib/format';
import { Link } from './Link';
import { Empty } from './status';

export type AuditEvent = RouterOutputs['admin']['audit']['items'][number];

function Account({ id }: { id: number | null }) {
  if (id === null) return <span className="muted">—</span>;
  return <Link to={`/admin/users/${id}`}>#{id}</Link>;
}

/** Audit events, newest first: when, what, who did it to whom, from where, and what changed. */
export function AuditTable({ events, caption }: { events: AuditEvent[]; caption: string }) {
  if (events.length === 0) return <Empty>No events match.</Empty>;
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="audit">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">By</th>
            <th scope="col">Account</th>
            <th scope="col">From</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td>{formatDateTime(e.at)}</td>
              <td>
                {describeAction(e.action)}
                <br />
                <code className="muted">{e.action}</code>
              </td>
              <td>
                <Account id={e.actor_id} />
              </td>
              <td>
                <Account id={e.target_id} />
              </td>
              <td>
                {e.ip ?? '—'}
                {e.user_agent ? <span className="muted"> · {describeUserAgent(e.user_agent)}</span> : null}
              </td>
              <td className="cell-wrap">{describeDetails(e.details) || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
