import type { RouterOutputs } from '@roster/sdk';
import { describeUserAgent, formatDateTime, formatRelative } from '../lib/format';
import { impersonatedByLabel } from '../lib/impersonation';
import { Badge, Empty } from './status';

export type SessionRow = RouterOutputs['auth']['sessions'][number];

/**
 * Live sessions, one per row: device, where from, when; "This device" marks the session of this console, and an
 * impersonation names the admin who opened it.
 */
export function SessionsTable({
  sessions,
  caption,
  onRevoke,
  revoking,
}: {
  sessions: SessionRow[];
  caption: string;
  /** Offers a "Revoke" button on every session but this device's. */
  onRevoke?: (session: SessionRow) => void;
  revoking?: string | null;
}) {
  if (sessions.length === 0) return <Empty>No live sessions.</Empty>;
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last used</th>
            {onRevoke ? <th scope="col">Action</th> : null}
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id}>
              <td>
                {describeUserAgent(s.user_agent)} {s.current ? <Badge tone="info">This device</Badge> : null}{' '}
                {s.impersonated_by ? (
                  <>
                    <Badge tone="warn">{impersonatedByLabel(s.impersonated_by)}</Badge>
                    {s.impersonated_by.reason ? (
                      <span className="muted"> for “{s.impersonated_by.reason}”</span>
                    ) : null}
                  </>
                ) : null}
              </td>
              <td>{s.ip ?? '—'}</td>
              <td>{formatDateTime(s.created_at)}</td>
              <td>{formatRelative(s.last_used_at)}</td>
              {onRevoke ? (
                <td>
                  {s.current ? (
                    <span className="muted">Use “Sign out”</span>
                  ) : (
                    <button
                      type="button"
                      className="button-small"
                      disabled={revoking === s.id}
                      onClick={() => onRevoke(s)}
                    >
                      {revoking === s.id ? 'Revoking…' : 'Revoke'}
                      <span className="visually-hidden">
                        {' '}
                        the session of {describeUserAgent(s.user_agent)} from {s.ip ?? 'an unknown address'}
                      </span>
                    </button>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
