import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useMe, useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { ApiKeyList } from '../../components/ApiKeyList';
import { TextField } from '../../components/fields';
import { ErrorMessage, useBlocked } from '../../components/status';
import {
  DEFAULT_KEY_DAYS,
  MAX_KEY_DAYS,
  newKeyErrors,
  newKeyInput,
  scopesFor,
  toggleScope,
  type ApiKeyScope,
  type CreatedApiKey,
} from '../../lib/api-keys';

/** Copies `text`: the Clipboard API, else the old way from the (selected) field that shows it. */
async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!field) return false;
    field.focus();
    field.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

/** The key just made, shown this once: a read-only field to select, a copy button, and a clear warning. */
function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => heading.current?.focus(), []);

  const copy = async () => setCopied(await copyText(created.key, field.current));

  return (
    <section className="new-key" aria-labelledby="new-key-heading" data-testid="new-api-key">
      <h3 id="new-key-heading" ref={heading} tabIndex={-1}>
        Your new key “{created.name}”
      </h3>
      <p>
        <strong>Copy it now: you won&apos;t see it again.</strong> Roster keeps only a hash of it, so no one
        can show it to you later. If you lose it, revoke it and create another.
      </p>
      <div className="field">
        <label htmlFor="new-key-value">API key</label>
        <input
          id="new-key-value"
          ref={field}
          readOnly
          value={created.key}
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.target.select()}
        />
      </div>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy key
        </button>
        <button type="button" className="button-quiet" onClick={onDone}>
          Done: hide the key
        </button>
      </div>
      <p role="status" className="copy-status">
        {copied === true ? 'Copied to the clipboard.' : null}
        {copied === false ? 'Could not copy it: select the key and copy it yourself.' : null}
      </p>
    </section>
  );
}

/** Name, scopes and lifetime of a new key; admin scopes only for admins (the API refuses them to others). */
function CreateKeyForm({ onCreated }: { onCreated: (created: CreatedApiKey) => void }) {
  const me = useMe();
  const { client } = useSession();
  const choices = scopesFor(me.role);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>([]);
  const [days, setDays] = useState(String(DEFAULT_KEY_DAYS));
  const [local, setLocal] = useState<Record<string, string>>({});
  const { run, pending, error } = useAction(
    (input: Parameters<typeof client.apiKeys.create>[0]) => client.apiKeys.create(input),
    { FORBIDDEN: 'Only admins may give a key admin scopes.' },
  );
  const blocked = useBlocked(pending, error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const form = { name, scopes, days };
    const problems = newKeyErrors(form);
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    const created = await run(newKeyInput(form));
    if (created) {
      setName('');
      setScopes([]);
      setDays(String(DEFAULT_KEY_DAYS));
      onCreated(created);
    }
  };
  const fields: Record<string, string> = { ...error?.fields, ...local };
  const scopesError =
    fields.scopes ?? Object.entries(fields).find(([path]) => path.startsWith('scopes.'))?.[1];

  return (
    <form
      className="create-key"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-labelledby="create-key-heading"
    >
      <h3 id="create-key-heading">Create a key</h3>
      <TextField
        id="key-name"
        label="Name"
        hint="What uses it, so you recognise it later: “nightly export”."
        value={name}
        maxLength={100}
        onChange={(e) => setName(e.target.value)}
        error={fields.name}
        required
      />
      <fieldset
        className={scopesError ? 'scopes-field field-invalid' : 'scopes-field'}
        aria-describedby={scopesError ? 'key-scopes-error' : undefined}
      >
        <legend>Scopes</legend>
        <p className="field-hint">
          What the key may do. Everything else, passwords and keys included, needs you.
        </p>
        {choices.map((choice) => {
          const id = `scope-${choice.scope.replace(':', '-')}`;
          return (
            <div className="field field-check" key={choice.scope}>
              <input
                id={id}
                type="checkbox"
                checked={scopes.includes(choice.scope)}
                onChange={(e) => setScopes((s) => toggleScope(s, choice.scope, e.target.checked))}
                aria-describedby={`${id}-hint`}
              />
              <label htmlFor={id}>
                <code>{choice.scope}</code>
              </label>
              <span id={`${id}-hint`} className="field-hint">
                {choice.description}
              </span>
            </div>
          );
        })}
        {scopesError ? (
          <p id="key-scopes-error" className="field-error">
            {scopesError}
          </p>
        ) : null}
      </fieldset>
      <TextField
        id="key-days"
        label="Expires after (days)"
        type="number"
        inputMode="numeric"
        min={1}
        max={MAX_KEY_DAYS}
        hint={`1 to ${MAX_KEY_DAYS} days.`}
        value={days}
        onChange={(e) => setDays(e.target.value)}
        error={fields.expires_in_days}
        required
      />
      <ErrorMessage error={error?.code === 'VALIDATION_ERROR' ? null : error} />
      <button type="submit" disabled={blocked}>
        {pending ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}

/** The account's API keys: the list (revoke with a confirmation), a new key shown once, and the form for one. */
export function ApiKeysSection() {
  const { client } = useSession();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  // Bumped by each new key, so the list is read again.
  const [round, setRound] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  const load = useCallback((signal: AbortSignal) => client.apiKeys.list({ signal }), [client]);
  const revoke = useCallback((id: number) => client.apiKeys.revoke(id), [client]);

  return (
    <section className="card" aria-labelledby="api-keys-heading">
      <h2 id="api-keys-heading" ref={heading} tabIndex={-1}>
        API keys
      </h2>
      <p className="muted">
        Keys let your scripts call Roster as you, within the scopes you give them, until they expire or you
        revoke them. Send one as <code>Authorization: Bearer rst_…</code>.
      </p>
      {created ? (
        <NewKey
          key={`new-${created.id}`}
          created={created}
          onDone={() => {
            setCreated(null);
            heading.current?.focus();
          }}
        />
      ) : null}
      {/* Sibling keys must differ: "new-1" and "list-1", never two "1"s. */}
      <ApiKeyList
        key={`list-${round}`}
        caption="Your API keys"
        empty="You have no API keys."
        load={load}
        revoke={revoke}
      />
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          setRound((r) => r + 1);
        }}
      />
    </section>
  );
}
