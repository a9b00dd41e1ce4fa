import { useCallback } from 'react';
import { useSession } from '../../../app/session';
import { useQuery } from '../../../app/use-api';
import { Badge, Empty, ErrorMessage, Loading } from '../../../components/status';
import { describeAttempt } from '../../../lib/webhook-attempts';
import type { Delivery } from '../../../lib/webhooks';

/** The newest attempts read at once: far more than the ten a delivery's schedule makes. */
const LIMIT = 100;

/**
 * Every attempt of one delivery, newest first, as Roster kept them: when it started, how long it took, the status
 * or why no answer came, and the beginning of the answer's body. Read again whenever `version` changes.
 */
export function DeliveryAttempts({
  webhookId,
  delivery,
  version,
}: {
  webhookId: number;
  delivery: Delivery;
  version: string;
}) {
  const { client } = useSession();
  const attempts = useQuery(
    useCallback(
      (signal: AbortSignal) =>
        client.admin.webhooks.attempts.query(
          { id: webhookId, delivery_id: delivery.id, limit: LIMIT },
          { signal },
        ),
      // eslint-disable-next-line react-hooks/exhaustive-deps -- a new version asks for a fresh read
      [client, webhookId, delivery.id, version],
    ),
  );
  const items = attempts.data?.items;
  const caption = `Attempts of the ${delivery.event_type} delivery ${delivery.id}`;

  return (
    <div className="delivery-attempts" data-testid="delivery-attempts">
      {attempts.loading && !items ? <Loading what="Loading attempts…" /> : null}
      <ErrorMessage error={attempts.error} />
      {items && items.length === 0 ? <Empty>No attempt has finished yet.</Empty> : null}
      {items && items.length > 0 ? (
        <table className="compact attempts">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Attempt</th>
              <th scope="col">Started</th>
              <th scope="col">Result</th>
              <th scope="col">Duration</th>
              <th scope="col">Response</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => {
              const row = describeAttempt(a);
              return (
                <tr key={a.number} data-attempt={a.number}>
                  <th scope="row">{row.label}</th>
                  <td>{row.started}</td>
                  <td>
                    <Badge tone={row.tone}>{row.result}</Badge>
                  </td>
                  <td>{row.duration}</td>
                  <td className="cell-wrap">
                    {row.body === null ? (
                      <span className="muted">{row.bodyNote}</span>
                    ) : (
                      <pre className="attempt-body">{row.body}</pre>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {attempts.data?.next_cursor ? <p className="muted">The {LIMIT} newest attempts are shown.</p> : null}
    </div>
  );
}
