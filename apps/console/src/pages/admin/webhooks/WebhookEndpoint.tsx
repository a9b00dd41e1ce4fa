import { useState } from 'react';
import { useSession } from '../../../app/session';
import { useAction } from '../../../app/use-api';
import { Confirm } from '../../../components/Confirm';
import { Badge, ErrorMessage, Success } from '../../../components/status';
import { formatDateTime } from '../../../lib/format';
import {
  describeEndpointState,
  webhookChanges,
  webhookForm,
  type Webhook,
  type WebhookForm,
} from '../../../lib/webhooks';
import { DeliveryLog } from './DeliveryLog';
import { SecretOnce } from './SecretOnce';
import { WebhookFields } from './WebhookForm';

type Mode = 'idle' | 'edit' | 'delete' | 'rotate';

/** One endpoint: what it is, edit, enable/disable, rotate its secret, send a test, delete; and its delivery log. */
export function WebhookEndpoint({
  webhook,
  onChanged,
  onDeleted,
}: {
  webhook: Webhook;
  onChanged: (webhook: Webhook) => void;
  onDeleted: (webhook: Webhook) => void;
}) {
  const { client } = useSession();
  const hooks = client.admin.webhooks;
  const [mode, setMode] = useState<Mode>('idle');
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const update = useAction((form: WebhookForm) => {
    const changes = webhookChanges(webhook, form);
    return Object.keys(changes).length === 0
      ? Promise.resolve(webhook)
      : hooks.update.mutate({ id: webhook.id, ...changes });
  });
  const toggle = useAction((enabled: boolean) => hooks.update.mutate({ id: webhook.id, enabled }));
  const rotate = useAction(() => hooks.rotateSecret.mutate({ id: webhook.id }));
  const test = useAction(() => hooks.test.mutate({ id: webhook.id }));
  const remove = useAction(async () => {
    await hooks.delete.mutate({ id: webhook.id });
    return true;
  });
  const state = describeEndpointState(webhook);
  const headingId = `webhook-${webhook.id}-heading`;
  const busy = toggle.pending || rotate.pending || test.pending || remove.pending;

  const say = (message: string) => {
    setNotice(message);
    setRound((r) => r + 1);
  };
  const onSave = async (form: WebhookForm) => {
    const updated = await update.run(form);
    if (updated) {
      setMode('idle');
      onChanged(updated);
      say('Endpoint saved.');
    }
  };
  const onToggle = async () => {
    const updated = await toggle.run(!webhook.enabled);
    if (updated) {
      onChanged(updated);
      say(
        updated.enabled
          ? 'Endpoint enabled: pending deliveries go out again.'
          : 'Endpoint disabled: nothing is sent to it.',
      );
    }
  };
  const onRotate = async () => {
    const answer = await rotate.run();
    if (answer) {
      const { secret: next, ...updated } = answer;
      setMode('idle');
      setSecret(next);
      onChanged(updated);
      setNotice(null);
    }
  };
  const onTest = async () => {
    if (await test.run()) say('Test event queued: watch the delivery log.');
  };
  const onDelete = async () => {
    if (await remove.run()) onDeleted(webhook);
  };

  return (
    <section className="card endpoint" aria-labelledby={headingId} data-testid="webhook-endpoint">
      <h2 id={headingId} className="endpoint-url">
        {webhook.url}
      </h2>
      <p>
        <Badge tone={state.tone}>{state.label}</Badge>{' '}
        {webhook.description ? (
          <span>{webhook.description}</span>
        ) : (
          <span className="muted">No description</span>
        )}
      </p>
      <p className="muted">
        Events: {webhook.events.join(', ')} · created {formatDateTime(webhook.created_at)}
        {webhook.previous_secret_expires_at
          ? ` · the old secret signs too until ${formatDateTime(webhook.previous_secret_expires_at)}`
          : ''}
      </p>
      {secret ? (
        <SecretOnce secret={secret} title="The new signing secret" onDone={() => setSecret(null)} />
      ) : null}
      {notice ? <Success>{notice}</Success> : null}
      <ErrorMessage error={toggle.error ?? rotate.error ?? test.error ?? remove.error} />
      {mode === 'edit' ? (
        <WebhookFields
          idPrefix={`webhook-${webhook.id}`}
          initial={webhookForm(webhook)}
          submitLabel="Save endpoint"
          pending={update.pending}
          error={update.error}
          onSubmit={(form) => void onSave(form)}
          onCancel={() => setMode('idle')}
        />
      ) : null}
      {mode === 'delete' ? (
        <Confirm
          id={`${headingId}-delete`}
          pending={remove.pending}
          confirmLabel="Yes, delete the endpoint"
          onConfirm={() => void onDelete()}
          onCancel={() => setMode('idle')}
        >
          Delete this endpoint and its delivery log? Pending deliveries are never sent.
        </Confirm>
      ) : null}
      {mode === 'rotate' ? (
        <Confirm
          id={`${headingId}-rotate`}
          danger={false}
          pending={rotate.pending}
          confirmLabel="Yes, rotate the secret"
          onConfirm={() => void onRotate()}
          onCancel={() => setMode('idle')}
        >
          Make a new signing secret? For 24 hours deliveries are signed with the old one as well, so your
          receiver can switch without missing any.
        </Confirm>
      ) : null}
      {mode === 'idle' ? (
        <div className="actions">
          <button type="button" className="button-quiet" onClick={() => (setNotice(null), setMode('edit'))}>
            Edit
          </button>
          <button type="button" className="button-quiet" disabled={busy} onClick={() => void onToggle()}>
            {webhook.enabled ? 'Disable' : 'Enable'}
          </button>
          <button
            type="button"
            className="button-quiet"
            disabled={busy || !webhook.enabled}
            onClick={() => void onTest()}
          >
            Send a test event
          </button>
          <button type="button" className="button-quiet" onClick={() => setMode('rotate')}>
            Rotate secret
          </button>
          <button type="button" className="button-danger" onClick={() => setMode('delete')}>
            Delete
          </button>
        </div>
      ) : null}
      <DeliveryLog webhookId={webhook.id} round={round} />
    </section>
  );
}
