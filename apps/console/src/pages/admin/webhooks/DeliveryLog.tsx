import { Fragment, useCallback, useEffect, useState } from 'react';
import { useSession } from '../../../app/session';
import { useAction, useQuery } from '../../../app/use-api';
import { Badge, Empty, ErrorMessage, Loading } from '../../../components/status';
import { formatDateTime } from '../../../lib/format';
import { attemptsVersion } from '../../../lib/webhook-attempts';
import { describeDelivery, type Delivery } from '../../../lib/webhooks';
import { DeliveryAttempts } from './DeliveryAttempts';

/**
 * An endpoint's deliveries, newest first: status, attempts, the last answer's status code and duration, the next
 * attempt; retry any that is not in flight; open any to see each of its attempts. Read again every few seconds
 * while one is pending, and on `round`.
 */
export function DeliveryLog({ webhookId, round }: { webhookId: number; round: number }) {
  const { client } = useSession();
  const [limit, setLimit] = useState(20);
  const log = useQuery(
    useCallback(
      (signal: AbortSignal) => client.admin.webhooks.deliveries.query({ id: webhookId, limit }, { signal }),
      // eslint-disable-next-line react-hooks/exhaustive-deps -- round asks for a fresh read
      [client, webhookId, limit, round],
    ),
  );
  const [retrying, setRetrying] = useState<string | null>(null);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((was) => {
      const next = new Set(was);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const retry = useAction((delivery: Delivery) =>
    client.admin.webhooks.retry.mutate({ id: webhookId, delivery_id: delivery.id }),
  );
  const items = log.data?.items;
  const pending = items?.some((d) => d.status === 'pending') ?? false;
  const { reload, loading } = log;

  useEffect(() => {
    if (!pending || loading) return;
    const timer = window.setTimeout(reload, 2_000);
    return () => window.clearTimeout(timer);
  }, [pending, loading, reload]);

  const onRetry = async (delivery: Delivery) => {
    setRetrying(delivery.id);
    if (await retry.run(delivery)) reload();
    setRetrying(null);
  };
  const caption = `Deliveries to endpoint ${webhookId}`;

  return (
    <div className="delivery-log">
      <h3 id={`deliveries-${webhookId}`}>Delivery log</h3>
      {loading && !items ? <Loading what="Loading deliveries…" /> : null}
      <ErrorMessage error={log.error ?? retry.error} />
      {items && items.length === 0 ? <Empty>Nothing sent yet.</Empty> : null}
      {items && items.length > 0 ? (
        <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Status code</th>
                <th scope="col">Duration</th>
                <th scope="col">Queued</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => {
                const row = describeDelivery(d);
                const expanded = open.has(d.id);
                const panel = `attempts-${d.id}`;
                return (
                  <Fragment key={d.id}>
                    <tr data-status={d.status} data-event={d.event_type}>
                      <th scope="row">
                        <code>{d.event_type}</code>
                      </th>
                      <td>
                        <Badge tone={row.tone}>{row.status}</Badge>
                        {d.last_error ? <span className="muted cell-wrap"> {d.last_error}</span> : null}
                      </td>
                      <td>
                        {row.attempts}{' '}
                        <button
                          type="button"
                          className="button-small button-quiet"
                          aria-expanded={expanded}
                          {...(expanded ? { 'aria-controls': panel } : {})}
                          onClick={() => toggle(d.id)}
                        >
                          {expanded ? 'Hide' : 'Show'}
                          <span className="visually-hidden">
                            {' '}
                            the attempts of the {d.event_type} delivery {d.id}
                          </span>
                        </button>
                      </td>
                      <td>{row.statusCode}</td>
                      <td>{row.duration}</td>
                      <td>{formatDateTime(d.created_at)}</td>
                      <td>{row.next}</td>
                      <td>
                        <button
                          type="button"
                          className="button-small"
                          disabled={retrying === d.id}
                          onClick={() => void onRetry(d)}
                        >
                          {retrying === d.id ? 'Retrying…' : 'Retry'}
                          <span className="visually-hidden">
                            {' '}
                            the {d.event_type} delivery {d.id}
                          </span>
                        </button>
                      </td>
                    </tr>
                    {expanded ? (
                      <tr id={panel} className="attempts-row" data-attempts-of={d.id}>
                        <td colSpan={8}>
                          <DeliveryAttempts webhookId={webhookId} delivery={d} version={attemptsVersion(d)} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="actions">
        <button type="button" className="button-quiet button-small" onClick={reload}>
          Refresh deliveries<span className="visually-hidden"> of endpoint {webhookId}</span>
        </button>
        {log.data?.next_cursor && limit < 100 ? (
          <button type="button" className="button-quiet button-small" onClick={() => setLimit(100)}>
            Show more<span className="visually-hidden"> deliveries of endpoint {webhookId}</span>
          </button>
        ) : null}
      </div>
    </div>
  );
}
