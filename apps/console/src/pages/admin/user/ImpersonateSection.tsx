import { useState, type FormEvent } from 'react';
import { useMe, useSession } from '../../../app/session';
import { useAction } from '../../../app/use-api';
import { TextField } from '../../../components/fields';
import { ErrorMessage, useBlocked } from '../../../components/status';
import { impersonationBlocker, reasonError } from '../../../lib/impersonation';
import type { AdminUserRecord } from './types';

/**
 * Acting as the account for up to 15 minutes, for a reason that goes into the audit log. Not offered for oneself,
 * admins or deactivated accounts; if the account changed since the page was read, the API's refusal is shown.
 */
export function ImpersonateSection({ user }: { user: AdminUserRecord }) {
  const me = useMe();
  const { impersonate } = useSession();
  const [reason, setReason] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const { run, pending, error } = useAction(
    (why: string) => impersonate({ id: user.id, username: user.username }, why),
    { ACCOUNT_DEACTIVATED: 'This account is deactivated: reactivate it to act as it.' },
  );
  const blocked = useBlocked(pending, error);
  const unavailable = impersonationBlocker(user, me);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = reasonError(reason);
    setLocal(problem);
    if (problem) return;
    // On success the console switches to the account (and its account page): this form is gone.
    await run(reason.trim());
  };

  return (
    <section className="card" aria-labelledby="impersonate-heading">
      <h2 id="impersonate-heading">Impersonation</h2>
      {unavailable ? (
        <p className="muted" data-testid="impersonation-unavailable">
          {unavailable}
        </p>
      ) : (
        <>
          <p>
            Act as {user.username} for up to 15 minutes to see what they see. You can read and edit their
            profile; passwords, email, API keys, sessions and admin pages stay out of reach. Starting, and
            every change you make, goes into the audit log with your reason.
          </p>
          <form onSubmit={(e) => void submit(e)} noValidate>
            <TextField
              id="impersonate-reason"
              label="Reason"
              hint="Why you need to act as them, such as a ticket number. 3 to 500 characters."
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              error={local ?? error?.fields.reason}
              required
            />
            <ErrorMessage error={error?.code === 'VALIDATION_ERROR' ? null : error} />
            <button type="submit" disabled={blocked}>
              {pending ? 'Starting…' : `Impersonate ${user.username}`}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
