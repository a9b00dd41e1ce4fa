import { useCallback, useState } from 'react';
import { useSession } from '../../../app/session';
import { useQuery } from '../../../app/use-api';
import { Layout } from '../../../components/Layout';
import { Link } from '../../../components/Link';
import { Badge, ErrorMessage, Loading, Success } from '../../../components/status';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { ImpersonateSection } from './ImpersonateSection';
import type { AdminUserRecord } from './types';
import { UserAccessSection } from './UserAccessSection';
import { UserApiKeysSection } from './UserApiKeysSection';
import { UserAuditSection } from './UserAuditSection';
import { UserMfaSection } from './UserMfaSection';
import { UserProfileForm } from './UserProfileForm';
import { UserSessionsSection } from './UserSessionsSection';

function Summary({ user }: { user: AdminUserRecord }) {
  return (
    <dl className="summary">
      <div>
        <dt>Status</dt>
        <dd>{user.is_active ? <Badge tone="ok">Active</Badge> : <Badge tone="warn">Deactivated</Badge>}</dd>
      </div>
      <div>
        <dt>Role</dt>
        <dd>{user.role === 'admin' ? 'Admin' : 'User'}</dd>
      </div>
      <div>
        <dt>Email</dt>
        <dd>{user.is_verified ? 'Verified' : 'Not verified'}</dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd>{formatDateTime(user.created_at)}</dd>
      </div>
      <div>
        <dt>Last sign-in</dt>
        <dd>{formatRelative(user.last_login_at)}</dd>
      </div>
      <div>
        <dt>MFA</dt>
        <dd>{user.mfa_enabled ? 'On' : 'Off'}</dd>
      </div>
      <div>
        <dt>Version</dt>
        <dd>{user.version}</dd>
      </div>
    </dl>
  );
}

/** One account as an admin manages it. */
export default function UserPage({ id }: { id: number }) {
  const { client } = useSession();
  const record = useQuery(
    useCallback((signal: AbortSignal) => client.admin.getUser.query({ id }, { signal }), [client, id]),
  );
  const [notice, setNotice] = useState<string | null>(null);
  // Bumped by every change, so the sessions and the audit trail are read again.
  const [round, setRound] = useState(0);
  // Bumped by a key's revocation: only the audit trail is read again (the keys list says what it did).
  const [trail, setTrail] = useState(0);
  const user = record.data;

  const onSaved = (updated: AdminUserRecord, message = 'Changes saved.') => {
    record.setData(updated);
    setNotice(message);
    setRound((r) => r + 1);
  };
  const onReload = (message?: string) => {
    setNotice(message ?? null);
    record.reload();
    setRound((r) => r + 1);
  };

  return (
    <Layout title={user ? `${user.username}` : `User #${id}`}>
      <p>
        <Link to="/admin/users">← All users</Link>
      </p>
      {record.loading && !user ? <Loading what="Loading the account…" /> : null}
      <ErrorMessage error={record.error} />
      {notice ? <Success>{notice}</Success> : null}
      {user ? (
        <>
          <Summary user={user} />
          <div className="grid">
            {/* Keyed by version: once the account changes, the forms start from what it is now. */}
            <UserProfileForm key={`p${user.version}`} user={user} onSaved={onSaved} onReload={onReload} />
            <UserAccessSection key={`a${user.version}`} user={user} onSaved={onSaved} onReload={onReload} />
          </div>
          <UserSessionsSection key={`s${round}`} id={id} />
          <UserApiKeysSection
            key={`k${round}`}
            id={id}
            username={user.username}
            onRevoked={() => setTrail((t) => t + 1)}
          />
          <div className="grid">
            <ImpersonateSection key={`i${user.version}`} user={user} />
            <UserMfaSection user={user} onReload={onReload} />
          </div>
          <UserAuditSection key={`e${round}-${trail}`} id={id} />
        </>
      ) : null}
    </Layout>
  );
}
