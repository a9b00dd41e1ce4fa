import { useState, type FormEvent } from 'react';
import { useSession } from '../../../app/session';
import { useAction } from '../../../app/use-api';
import { Confirm } from '../../../components/Confirm';
import { SelectField, TextField } from '../../../components/fields';
import { ErrorMessage, useBlocked } from '../../../components/status';
import type { AdminUserRecord } from './types';

const ROLES = [
  ['user', 'User'],
  ['admin', 'Admin'],
] as const;

/** Role, deactivation and a new password: each sent with the version read, so a stale page cannot overwrite. */
export function UserAccessSection({
  user,
  onSaved,
  onReload,
}: {
  user: AdminUserRecord;
  onSaved: (user: AdminUserRecord, notice: string) => void;
  onReload: (notice?: string) => void;
}) {
  const { client } = useSession();
  const [role, setRole] = useState(user.role);
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState('');
  const update = useAction((change: { role?: 'user' | 'admin'; is_active?: boolean }) =>
    client.admin.updateUser.mutate({ id: user.id, ...change, expected_version: user.version }),
  );
  const setPw = useAction(async (next: string) => {
    await client.admin.setPassword.mutate({ id: user.id, password: next });
    return true;
  });
  const blocked = useBlocked(update.pending, update.error);

  const changeRole = async (event: FormEvent) => {
    event.preventDefault();
    if (role === user.role) return;
    const updated = await update.run({ role });
    if (updated)
      onSaved(updated, `${updated.username} is now ${updated.role === 'admin' ? 'an admin' : 'a user'}.`);
  };
  const setActive = async (active: boolean) => {
    setConfirming(false);
    const updated = await update.run({ is_active: active });
    if (updated) {
      onSaved(
        updated,
        active
          ? `${updated.username} is active again.`
          : `${updated.username} is deactivated: their sessions have ended.`,
      );
    }
  };
  const submitPassword = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await setPw.run(password);
    if (ok) {
      setPassword('');
      onReload(`Password set for ${user.username}: every session of the account has ended.`);
    }
  };
  const conflict =
    update.error?.code === 'VERSION_CONFLICT' ? (
      <button type="button" className="button-quiet" onClick={() => onReload()}>
        Reload the account
      </button>
    ) : null;

  return (
    <section className="card" aria-labelledby="user-access-heading">
      <h2 id="user-access-heading">Access</h2>
      <form className="inline-form" onSubmit={(e) => void changeRole(e)}>
        <SelectField
          id="user-role"
          label="Role"
          options={ROLES}
          value={role}
          onChange={(e) => setRole(e.target.value as 'user' | 'admin')}
        />
        <button type="submit" disabled={blocked || role === user.role}>
          Change role
        </button>
      </form>
      <div className="status-row">
        <p>
          Status: <strong>{user.is_active ? 'active' : 'deactivated'}</strong>
        </p>
        {user.is_active && !confirming ? (
          <button
            type="button"
            className="button-danger"
            disabled={blocked}
            onClick={() => setConfirming(true)}
          >
            Deactivate account
          </button>
        ) : null}
        {!user.is_active ? (
          <button type="button" disabled={blocked} onClick={() => void setActive(true)}>
            Reactivate account
          </button>
        ) : null}
      </div>
      {confirming ? (
        <Confirm
          id="confirm-deactivate"
          confirmLabel={<>Yes, deactivate {user.username}</>}
          onConfirm={() => void setActive(false)}
          onCancel={() => setConfirming(false)}
        >
          Deactivate {user.username}? They are signed out everywhere at once and cannot sign in until
          reactivated.
        </Confirm>
      ) : null}
      <ErrorMessage error={update.error} action={conflict} />
      <form className="inline-form" onSubmit={(e) => void submitPassword(e)} noValidate>
        <TextField
          id="user-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="8 to 128 characters. Every session of the account ends."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={setPw.error?.fields.password}
        />
        <button type="submit" disabled={setPw.pending || password.length === 0}>
          Set password
        </button>
      </form>
      <ErrorMessage error={setPw.error?.code === 'VALIDATION_ERROR' ? null : setPw.error} />
    </section>
  );
}
