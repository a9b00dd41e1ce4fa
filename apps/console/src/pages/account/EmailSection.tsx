import { useState, type FormEvent } from 'react';
import { useActing, useMe, useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { TextField } from '../../components/fields';
import { ErrorMessage, Success, useBlocked } from '../../components/status';

/** A new email address, confirmed with the current password; the new address then needs verifying. */
export function EmailSection() {
  const me = useMe();
  const acting = useActing();
  const { client, setUser } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { run, pending, error } = useAction((input: { email: string; current_password: string }) =>
    client.users.updateMe.mutate(input),
  );
  const blocked = useBlocked(pending, error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const user = await run({ email: email.trim(), current_password: password });
    setPassword('');
    if (user) {
      setUser(user);
      setEmail('');
      setDone(`Your email is now ${user.email}. Check that inbox for a link to verify it.`);
    }
  };

  return (
    <section className="card" aria-labelledby="email-heading">
      <h2 id="email-heading">Email</h2>
      <p>
        Your address is <strong>{me.email}</strong> {me.is_verified ? '(verified)' : '(not verified yet)'}.
      </p>
      {/* A new address is an account-security change: the API refuses it under an impersonation token. */}
      {acting ? (
        <p className="muted">Only {me.username} can change it, signed in themselves.</p>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <TextField
            id="email-new"
            label="New email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={error?.fields.email}
            required
          />
          <TextField
            id="email-password"
            label="Current password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={
              error?.fields.current_password ?? (error?.code === 'WRONG_PASSWORD' ? error.message : undefined)
            }
            required
          />
          <ErrorMessage error={error?.code === 'WRONG_PASSWORD' ? null : error} />
          {done ? <Success>{done}</Success> : null}
          <button type="submit" disabled={blocked}>
            {pending ? 'Changing…' : 'Change email'}
          </button>
        </form>
      )}
    </section>
  );
}
