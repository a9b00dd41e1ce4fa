import { useCallback } from 'react';
import { useSession } from '../../../app/session';
import { ApiKeyList } from '../../../components/ApiKeyList';

/** The account's API keys (not revoked), and revoking any of them; only the owner can create keys. */
export function UserApiKeysSection({
  id,
  username,
  onRevoked,
}: {
  id: number;
  username: string;
  onRevoked: () => void;
}) {
  const { client } = useSession();
  const load = useCallback(
    (signal: AbortSignal) => client.admin.userApiKeys.query({ id }, { signal }),
    [client, id],
  );
  const revoke = useCallback((key: number) => client.admin.revokeApiKey.mutate({ id: key }), [client]);
  return (
    <section className="card" aria-labelledby="user-api-keys-heading">
      <h2 id="user-api-keys-heading">API keys</h2>
      <p className="muted">
        Keys {username} made for scripts. Revoking one refuses it from its next request; only {username} can
        create keys.
      </p>
      <ApiKeyList
        caption={`API keys of ${username}`}
        empty="This account has no API keys."
        load={load}
        revoke={revoke}
        onRevoked={onRevoked}
      />
    </section>
  );
}
