import { useState, type FormEvent } from 'react';
import { useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { TextField } from '../../components/fields';
import { ErrorMessage, Success, useBlocked } from '../../components/status';
import { newPasswordError } from '../../lib/forms';

/** The current password and a new one, twice. Roster ends every other session of the account. */
export function PasswordSection({ onChanged }: { onChanged: () => void }) {
  const { client } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [local, setLocal] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const { run, pending, error } = useAction(
    async (input: { current_password: string; new_password: string }) => {
      await client.auth.changePassword.mutate(input);
      return true;
    },
  );
  const blocked = useBlocked(pending, error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    const problems = newPasswordError(next, confirm);
    setLocal(problems);
    if (Object.keys(problems).length > 0) return;
    const ok = await run({ current_password: current, new_password: next });
    setCurrent('');
    if (ok) {
      setNext('');
      setConfirm('');
      setDone(true);
      onChanged();
    }
  };
  const fields = { ...error?.fields, ...local };

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          id="current_password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          error={fields.current_password ?? (error?.code === 'WRONG_PASSWORD' ? error.message : undefined)}
          required
        />
        <TextField
          id="new_password"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="8 to 128 characters."
          value={next}
          onChange={(e) => setNext(e.target.value)}
          error={fields.new_password}
          required
        />
        <TextField
          id="confirm_password"
          label="New password again"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={fields.confirm_password}
          required
        />
        <ErrorMessage error={error?.code === 'WRONG_PASSWORD' ? null : error} />
        {done ? <Success>Password changed. Your other sessions have ended.</Success> : null}
        <button type="submit" disabled={blocked}>
          {pending ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
