import { useState, type FormEvent } from 'react';
import { useMe, useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { TextAreaField, TextField } from '../../components/fields';
import { ErrorMessage, Success, useBlocked } from '../../components/status';
import { profileChanges, profileFields } from '../../lib/forms';

/** Username, full name and bio (the email has its own form: it needs the password). */
export function ProfileSection() {
  const me = useMe();
  const { client, setUser } = useSession();
  const [form, setForm] = useState(() => profileFields(me));
  const [saved, setSaved] = useState(false);
  const { run, pending, error } = useAction((changes: Parameters<typeof client.users.patchMe.mutate>[0]) =>
    client.users.patchMe.mutate(changes),
  );
  const blocked = useBlocked(pending, error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const { email: _email, ...changes } = profileChanges(me, { ...form, email: me.email });
    if (Object.keys(changes).length === 0) return setSaved(true);
    const user = await run(changes);
    if (user) {
      setUser(user);
      setForm(profileFields(user));
      setSaved(true);
    }
  };
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => {
    setSaved(false);
    setForm((f) => ({ ...f, [key]: e.target.value }));
  };

  return (
    <section className="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          id="profile-username"
          label="Username"
          autoComplete="username"
          value={form.username}
          onChange={set('username')}
          error={error?.fields.username}
        />
        <TextField
          id="profile-full_name"
          label="Full name"
          autoComplete="name"
          value={form.full_name}
          onChange={set('full_name')}
          error={error?.fields.full_name}
        />
        <TextAreaField
          id="profile-bio"
          label="Bio"
          rows={3}
          value={form.bio}
          onChange={set('bio')}
          error={error?.fields.bio}
        />
        <ErrorMessage error={error} />
        {saved ? <Success>Profile saved.</Success> : null}
        <button type="submit" disabled={blocked}>
          {pending ? 'Saving…' : 'Save profile'}
        </button>
      </form>
    </section>
  );
}
