import { useCallback, useState, type FormEvent } from 'react';
import '../../components/factors.css';
import { loadPasskeys, withPasskeyErrors } from '../../app/passkeys';
import { useSession } from '../../app/session';
import { useAction, useQuery } from '../../app/use-api';
import { TextField } from '../../components/fields';
import { Empty, ErrorMessage, Loading, Success, useBlocked } from '../../components/status';
import { MFA_MESSAGES } from '../../lib/mfa';
import { PasskeyItem } from './PasskeyItem';

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
