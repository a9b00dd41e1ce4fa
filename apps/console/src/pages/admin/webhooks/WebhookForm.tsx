import { useState, type FormEvent } from 'react';
import { TextAreaField, TextField } from '../../../components/fields';
import { ErrorMessage, useBlocked } from '../../../components/status';
import type { UiError } from '../../../lib/errors';
import {
  EVENT_TYPES,
  toggleEvent,
  WEBHOOK_EVENTS,
  webhookFormErrors,
  type WebhookForm,
} from '../../../lib/webhooks';

/**
 * An endpoint's URL, events (checkboxes) and description, for creating or editing one. The API's refusal of a URL
 * (WEBHOOK_URL_NOT_ALLOWED: a private or reserved address) shows under the URL field.
 */
export function WebhookFields({
  idPrefix,
  initial,
  submitLabel,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  idPrefix: string;
  initial: WebhookForm;
  submitLabel: string;
  pending: boolean;
  error: UiError | null;
  onSubmit: (form: WebhookForm) => void;
  onCancel?: () => void;
}) {
  const [form, setForm] = useState<WebhookForm>(initial);
  const [local, setLocal] = useState<Record<string, string>>({});
  const blocked = useBlocked(pending, error);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems = webhookFormErrors(form);
    setLocal(problems);
    if (Object.keys(problems).length === 0) onSubmit(form);
  };
  const urlRefused = error?.code === 'WEBHOOK_URL_NOT_ALLOWED' ? error.message : undefined;
  const fields = { ...error?.fields, ...local };
  const eventsError = fields.events;

  return (
    <form onSubmit={submit} noValidate aria-label={submitLabel}>
      <TextField
        id={`${idPrefix}-url`}
        label="Endpoint URL"
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        hint="Roster POSTs signed JSON here. Redirects are not followed."
        value={form.url}
        onChange={(e) => setForm((f) => ({ ...f, url: e.target.value }))}
        error={fields.url ?? urlRefused}
        required
      />
      <fieldset
        className={eventsError ? 'events field-invalid' : 'events'}
        aria-describedby={eventsError ? `${idPrefix}-events-error` : undefined}
      >
        <legend>Events to send</legend>
        <div className="event-grid">
          {EVENT_TYPES.map((type) => {
            const id = `${idPrefix}-event-${type.replace('.', '-')}`;
            return (
              <div className="field field-check" key={type}>
                <input
                  id={id}
                  type="checkbox"
                  checked={form.events.includes(type)}
                  onChange={() => setForm((f) => ({ ...f, events: toggleEvent(f.events, type) }))}
                />
                <label htmlFor={id}>
                  <code>{type}</code> <span className="muted">{WEBHOOK_EVENTS[type]}</span>
                </label>
              </div>
            );
          })}
        </div>
        {eventsError ? (
          <p id={`${idPrefix}-events-error`} className="field-error">
            {eventsError}
          </p>
        ) : null}
      </fieldset>
      <TextAreaField
        id={`${idPrefix}-description`}
        label="Description (optional)"
        rows={2}
        maxLength={500}
        value={form.description}
        onChange={(e) => setForm((f) => ({ ...f, description: e.target.value }))}
        error={fields.description}
      />
      <ErrorMessage error={urlRefused || Object.keys(error?.fields ?? {}).length > 0 ? null : error} />
      <div className="actions">
        <button type="submit" disabled={blocked}>
          {pending ? 'Saving…' : submitLabel}
        </button>
        {onCancel ? (
          <button type="button" className="button-quiet" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
