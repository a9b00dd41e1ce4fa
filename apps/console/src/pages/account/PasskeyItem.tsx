import { useState, type FormEvent } from 'react';
import type { RouterOutputs } from '@roster/sdk';
import { useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { CurrentPasswordField, TextField } from '../../components/fields';
import { ErrorMessage, useBlocked } from '../../components/status';
import { formatDateTime, formatRelative } from '../../lib/format';
import { MFA_MESSAGES } from '../../lib/mfa';

type Passkey = RouterOutputs['auth']['passkeys']['list'][number];

/** One passkey of the account: its name and use, renamed in place, deleted after the password. */
export function PasskeyItem({
  passkey,
  onChanged,
}: {
  passkey: Passkey;
  onChanged: (message: string) => void;
}) {
  const { client } = useSession();
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const [name, setName] = useState(passkey.name);
  const rename = useAction((next: string) => client.passkeys.rename(passkey.id, next));
  const id = `passkey-${passkey.id}`;

  const submitRename = async (event: FormEvent) => {
    event.preventDefault();
    const updated = await rename.run(name.trim());
    if (updated) {
      setMode('idle');
      onChanged(`Passkey renamed to “${updated.name}”.`);
    }
  };

  return (
    <li className="item" data-testid="passkey">
      <div>
        <strong>{passkey.name}</strong>
        <p className="muted">
          Added {formatDateTime(passkey.created_at)} · last used {formatRelative(passkey.last_used_at)}
          {passkey.backed_up ? ' · synced' : ''}
        </p>
      </div>
      {mode === 'rename' ? (
        <form className="inline-form" onSubmit={(e) => void submitRename(e)} noValidate>
          <TextField
            id={`${id}-name`}
            label={`New name for ${passkey.name}`}
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={rename.error?.fields.name}
          />
          <button type="submit" disabled={rename.pending || name.trim() === ''}>
            Save name
          </button>
          <button type="button" className="button-quiet" onClick={() => setMode('idle')}>
            Cancel
          </button>
        </form>
      ) : null}
      {mode === 'delete' ? (
        <DeletePasskey
          passkey={passkey}
          onDeleted={() =>
            onChanged(`Passkey “${passkey.name}” deleted. Your other sessions were signed out.`)
          }
          onCancel={() => setMode('idle')}
        />
      ) : null}
      {mode === 'idle' ? (
        <div className="actions">
          <button type="button" className="button-small" onClick={() => setMode('rename')}>
            Rename<span className="visually-hidden"> {passkey.name}</span>
          </button>
          <button type="button" className="button-small button-danger" onClick={() => setMode('delete')}>
            Delete<span className="visually-hidden"> {passkey.name}</span>
          </button>
        </div>
      ) : null}
      <ErrorMessage error={rename.error?.fields.name ? null : rename.error} />
    </li>
  );
}

/**
 * The question before a passkey goes, with the password Roster asks for (as turning the authenticator app off
 * does): a wrong one is said at the field, a wait after too many at the form.
 */
function DeletePasskey({
  passkey,
  onDeleted,
  onCancel,
}: {
  passkey: Passkey;
  onDeleted: () => void;
  onCancel: () => void;
}) {
  const { client } = useSession();
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const remove = useAction(async (given: string) => {
    await client.passkeys.remove(passkey.id, given);
    return true;
  }, MFA_MESSAGES);
  const blocked = useBlocked(remove.pending, remove.error);
  const id = `passkey-${passkey.id}-delete`;
  const e = remove.error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password === '') return setLocal('Enter your password to delete the passkey.');
    setLocal(null);
    const done = await remove.run(password);
    setPassword('');
    if (done) onDeleted();
  };

  return (
    <form
      className="confirm"
      aria-labelledby={`${id}-question`}
      onSubmit={(ev) => void submit(ev)}
      noValidate
    >
      <p id={`${id}-question`}>
        Delete the passkey “{passkey.name}”? It will not sign you in again. Enter your password to confirm.
      </p>
      <CurrentPasswordField
        id={`${id}-password`}
        value={password}
        onChange={(ev) => setPassword(ev.target.value)}
        apiError={e}
        local={local}
      />
      <ErrorMessage error={e?.fields.password || e?.code === 'WRONG_PASSWORD' ? null : e} />
      <button type="submit" className="button-danger" disabled={blocked}>
        {remove.pending ? 'Deleting…' : 'Yes, delete it'}
      </button>
      <button type="button" className="button-quiet" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
