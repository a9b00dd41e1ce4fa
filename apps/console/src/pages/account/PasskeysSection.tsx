import { useCallback, useState, type FormEvent } from 'react';
import '../../components/factors.css';
import type { RouterOutputs } from '@roster/sdk';
import { loadPasskeys, withPasskeyErrors } from '../../app/passkeys';
import { useSession } from '../../app/session';
import { useAction, useQuery } from '../../app/use-api';
import { Confirm } from '../../components/Confirm';
import { TextField } from '../../components/fields';
import { Empty, ErrorMessage, Loading, Success, useBlocked } from '../../components/status';
import { formatDateTime, formatRelative } from '../../lib/format';
import { MFA_MESSAGES } from '../../lib/mfa';

type Passkey = RouterOutputs['auth']['passkeys']['list'][number];

/** The account's passkeys: add one of this device (named), rename, delete. `onChanged` after every change. */
export function PasskeysSection({ onChanged }: { onChanged?: () => void }) {
  const { client } = useSession();
  const list = useQuery(useCallback(() => client.passkeys.list(), [client]));
  const [name, setName] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const add = useAction(
    (label: string) =>
      withPasskeyErrors(async () => {
        const { registerPasskey } = await loadPasskeys();
        return registerPasskey(client, label ? { name: label } : {});
      }),
    MFA_MESSAGES,
  );
  const blocked = useBlocked(add.pending, add.error);
  const changed = (message: string) => {
    setNotice(message);
    list.reload();
    onChanged?.();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    const passkey = await add.run(name.trim());
    if (passkey) {
      setName('');
      changed(`Passkey “${passkey.name}” added. You can sign in with it now.`);
    }
  };

  return (
    <section className="card" aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p className="muted">
        Sign in with your fingerprint, face or device PIN instead of a password, or use a passkey as the
        second step after it.
      </p>
      {list.loading && !list.data ? <Loading what="Loading passkeys…" /> : null}
      <ErrorMessage error={list.error} />
      {notice ? <Success>{notice}</Success> : null}
      {list.data ? (
        list.data.length === 0 ? (
          <Empty>No passkeys yet.</Empty>
        ) : (
          <ul className="item-list" aria-label="Your passkeys">
            {list.data.map((p) => (
              <PasskeyItem key={p.id} passkey={p} onChanged={changed} />
            ))}
          </ul>
        )
      ) : null}
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Add a passkey">
        <TextField
          id="passkey-name"
          label="Name for the new passkey"
          hint="Optional: say which device it is, such as “Work laptop”."
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={add.error?.fields.name}
        />
        <ErrorMessage error={add.error} />
        <button type="submit" disabled={blocked}>
          {add.pending ? 'Waiting for your device…' : 'Add a passkey'}
        </button>
      </form>
    </section>
  );
}

function PasskeyItem({ passkey, onChanged }: { passkey: Passkey; onChanged: (message: string) => void }) {
  const { client } = useSession();
  const [mode, setMode] = useState<'idle' | 'rename' | 'delete'>('idle');
  const [name, setName] = useState(passkey.name);
  const rename = useAction((next: string) => client.passkeys.rename(passkey.id, next));
  const remove = useAction(async () => {
    await client.passkeys.remove(passkey.id);
    return true;
  });
  const id = `passkey-${passkey.id}`;

  const submitRename = async (event: FormEvent) => {
    event.preventDefault();
    const updated = await rename.run(name.trim());
    if (updated) {
      setMode('idle');
      onChanged(`Passkey renamed to “${updated.name}”.`);
    }
  };
  const confirmDelete = async () => {
    if (await remove.run()) onChanged(`Passkey “${passkey.name}” deleted.`);
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
        <Confirm
          id={`${id}-confirm`}
          pending={remove.pending}
          confirmLabel="Yes, delete it"
          onConfirm={() => void confirmDelete()}
          onCancel={() => setMode('idle')}
        >
          Delete the passkey “{passkey.name}”? It will not sign you in again.
        </Confirm>
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
      <ErrorMessage error={rename.error?.fields.name ? null : (rename.error ?? remove.error)} />
    </li>
  );
}
