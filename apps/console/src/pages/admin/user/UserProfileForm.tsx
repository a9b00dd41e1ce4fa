import { useState, type FormEvent } from 'react';
import { useSession } from '../../../app/session';
import { useAction } from '../../../app/use-api';
import { TextAreaField, TextField } from '../../../components/fields';
import { ErrorMessage, Success, useBlocked } from '../../../components/status';
import { profileChanges, profileFields } from '../../../lib/forms';
import type { AdminUserRecord } from './types';

/**
 * An admin's edit of an account's profile, sent with the version it was read at: if someone changed the account
 * meanwhile, Roster answers VERSION_CONFLICT and the form says so, offering to reload.
 */
export function UserProfileForm({
  user,
  onSaved,
  onReload,
}: {
  user: AdminUserRecord;
  onSaved: (user: AdminUserRecord) => void;
  onReload: () => void;
}) {
  const { client } = useSession();
  const [form, setForm] = useState(() => profileFields(user));
  const [saved, setSaved] = useState(false);
  const { run, pending, error } = useAction((changes: ReturnType<typeof profileChanges>) =>
    client.admin.updateUser.mutate({ id: user.id, ...changes, expected_version: user.version }),
  );
  const blocked = useBlocked(pending, error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const changes = profileChanges(user, form);
    if (Object.keys(changes).length === 0) return setSaved(true);
    const updated = await run(changes);
    if (updated) onSaved(updated);
  };
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: e.target.value }));
  };

  return (
    <section className="card" aria-labelledby="user-profile-heading">
      <h2 id="user-profile-heading">Profile</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          id="user-email"
          label="Email"
          type="email"
          value={form.email}
          onChange={set('email')}
          error={error?.fields.email}
        />
        <TextField
          id="user-username"
          label="Username"
          value={form.username}
          onChange={set('username')}
          error={error?.fields.username}
        />
        <TextField
          id="user-full_name"
          label="Full name"
          value={form.full_name}
          onChange={set('full_name')}
          error={error?.fields.full_name}
        />
        <TextAreaField
          id="user-bio"
          label="Bio"
          rows={3}
          value={form.bio}
          onChange={set('bio')}
          error={error?.fields.bio}
        />
        <ErrorMessage
          error={error}
          action={
            error?.code === 'VERSION_CONFLICT' ? (
              <button type="button" className="button-quiet" onClick={() => onReload()}>
                Reload the account
              </button>
            ) : null
          }
        />
        {saved ? <Success>No changes to save.</Success> : null}
        <button type="submit" disabled={blocked}>
          {pending ? 'Saving…' : 'Save changes'}
        </button>
      </form>
    </section>
  );
}
