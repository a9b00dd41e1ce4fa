import { useCallback, useState } from 'react';
import { useSession } from '../../../app/session';
import { useAction, useQuery } from '../../../app/use-api';
import { Empty, ErrorMessage, Loading, Success } from '../../../components/status';
import { createInput, EMPTY_FORM, type Webhook, type WebhookForm } from '../../../lib/webhooks';
import { SecretOnce } from './SecretOnce';
import { WebhookEndpoint } from './WebhookEndpoint';
import { WebhookFields } from './WebhookForm';
import './webhooks.css';

/** The webhook endpoints: add one (its secret shown once), and each endpoint with its delivery log. */
export function WebhooksAdmin() {
  const { client } = useSession();
  const list = useQuery(
    useCallback((signal: AbortSignal) => client.admin.webhooks.list.query(undefined, { signal }), [client]),
  );
  const [creating, setCreating] = useState(false);
  const [formKey, setFormKey] = useState(0);
  const [created, setCreated] = useState<{ secret: string; url: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useAction((form: WebhookForm) => client.admin.webhooks.create.mutate(createInput(form)));
  const endpoints = list.data;

  const onCreate = async (form: WebhookForm) => {
    setNotice(null);
    const answer = await create.run(form);
    if (answer) {
      const { secret, ...webhook } = answer;
      setCreated({ secret, url: webhook.url });
      setCreating(false);
      setFormKey((k) => k + 1);
      list.setData([...(endpoints ?? []), webhook]);
    }
  };
  const replace = (webhook: Webhook) =>
    list.setData((endpoints ?? []).map((w) => (w.id === webhook.id ? webhook : w)));
  const drop = (webhook: Webhook) => {
    list.setData((endpoints ?? []).filter((w) => w.id !== webhook.id));
    setNotice(`The endpoint ${webhook.url} is deleted.`);
  };

  return (
    <>
      <p>
        Roster POSTs account events to these URLs, signed per Standard Webhooks, and retries failures for
        about a day.
      </p>
      {created ? (
        <SecretOnce
          secret={created.secret}
          title={`Endpoint added: its signing secret`}
          onDone={() => setCreated(null)}
        />
      ) : null}
      {notice ? <Success>{notice}</Success> : null}
      {creating ? (
        <section className="card" aria-labelledby="new-webhook-heading">
          <h2 id="new-webhook-heading">New endpoint</h2>
          <WebhookFields
            key={formKey}
            idPrefix="new-webhook"
            initial={EMPTY_FORM}
            submitLabel="Add endpoint"
            pending={create.pending}
            error={create.error}
            onSubmit={(form) => void onCreate(form)}
            onCancel={() => (setCreating(false), create.setError(null))}
          />
        </section>
      ) : (
        <div className="actions page-actions">
          <button type="button" onClick={() => (setCreated(null), setNotice(null), setCreating(true))}>
            Add an endpoint
          </button>
        </div>
      )}
      {list.loading && !endpoints ? <Loading what="Loading endpoints…" /> : null}
      <ErrorMessage error={list.error} />
      {endpoints && endpoints.length === 0 ? (
        <Empty>No endpoints yet. Add one to start receiving events.</Empty>
      ) : null}
      {endpoints?.map((webhook) => (
        <WebhookEndpoint key={webhook.id} webhook={webhook} onChanged={replace} onDeleted={drop} />
      ))}
    </>
  );
}
