import { useEffect, useRef, useState } from 'react';
import { useAction, useQuery } from '../app/use-api';
import { describeExpiry, isExpired, keyLabel, type ApiKeyRow } from '../lib/api-keys';
import { formatDateTime, formatRelative } from '../lib/format';
import { Confirm } from './Confirm';
import { Badge, Empty, ErrorMessage, Loading } from './status';

const revokeButtonId = (id: number) => `revoke-key-${id}`;

/** Keys, newest first: name, prefix, scopes, created, last used, expiry; a Revoke button on each. */
export function ApiKeysTable({
  keys,
  caption,
  onRevoke,
  busy,
}: {
  keys: ApiKeyRow[];
  caption: string;
  onRevoke: (key: ApiKeyRow) => void;
  busy: boolean;
}) {
  const now = new Date();
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="api-keys">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const expired = isExpired(key, now);
            return (
              <tr key={key.id} data-key-prefix={key.prefix}>
                <th scope="row" className="cell-wrap">
                  {key.name}
                </th>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>
                  <ul className="scopes">
                    {key.scopes.map((scope) => (
                      <li key={scope}>
                        <code>{scope}</code>
                      </li>
                    ))}
                  </ul>
                </td>
                <td>{formatDateTime(key.created_at)}</td>
                <td>{formatRelative(key.last_used_at, now)}</td>
                <td>
                  {formatDateTime(key.expires_at)}
                  <br />
                  {expired ? (
                    <Badge tone="warn">Expired</Badge>
                  ) : (
                    <span className="muted">({describeExpiry(key.expires_at, now)})</span>
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    id={revokeButtonId(key.id)}
                    className="button-small"
                    disabled={busy}
                    onClick={() => onRevoke(key)}
                  >
                    Revoke
                    <span className="visually-hidden"> the key {keyLabel(key)}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** "Revoke this key?" with what it means, and the two answers. Takes the focus so the question is read first. */
export function RevokeKeyConfirm({
  apiKey,
  pending,
  onConfirm,
  onCancel,
}: {
  apiKey: ApiKeyRow;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Confirm
      id="confirm-revoke-key"
      focus
      pending={pending}
      confirmLabel={pending ? 'Revoking…' : `Yes, revoke “${apiKey.name}”`}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      Revoke the key {keyLabel(apiKey)}? Anything using it is refused from its next request. This cannot be
      undone.
    </Confirm>
  );
}

/**
 * A list of API keys that can be revoked, with its loading, empty and error states and a confirmation before each
 * revocation: the account page's own keys and an admin's view of an account's keys both use it.
 */
export function ApiKeyList({
  caption,
  empty,
  load,
  revoke,
  onRevoked,
}: {
  caption: string;
  empty: string;
  /** Reads the keys (keep it stable: wrap it in useCallback). */
  load: (signal: AbortSignal) => Promise<ApiKeyRow[]>;
  revoke: (id: number) => Promise<void>;
  /** Told after each revocation (an admin's page reads its audit trail again). */
  onRevoked?: () => void;
}) {
  const keys = useQuery(load);
  const [confirming, setConfirming] = useState<ApiKeyRow | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);
  const done = useRef<HTMLParagraphElement>(null);
  const action = useAction(async (key: ApiKeyRow) => {
    await revoke(key.id);
    return true;
  });

  useEffect(() => {
    if (revoked) done.current?.focus();
  }, [revoked]);

  const ask = (key: ApiKeyRow) => {
    action.setError(null);
    setRevoked(null);
    setConfirming(key);
  };
  const cancel = () => {
    const id = confirming?.id;
    setConfirming(null);
    action.setError(null);
    if (id !== undefined) document.getElementById(revokeButtonId(id))?.focus();
  };
  const confirm = async () => {
    if (!confirming) return;
    const ok = await action.run(confirming);
    if (ok) {
      setRevoked(`Revoked the key ${keyLabel(confirming)}.`);
      setConfirming(null);
      onRevoked?.();
    }
    // Revoked, or refused (already revoked elsewhere): the list says what is left.
    keys.reload();
  };

  return (
    <div className="api-key-list">
      {keys.loading && !keys.data ? <Loading what="Loading API keys…" /> : null}
      <ErrorMessage error={keys.error} />
      {revoked ? (
        <p className="alert alert-success" role="status" ref={done} tabIndex={-1}>
          {revoked}
        </p>
      ) : null}
      {keys.data && keys.data.length === 0 ? <Empty>{empty}</Empty> : null}
      {keys.data && keys.data.length > 0 ? (
        <ApiKeysTable keys={keys.data} caption={caption} onRevoke={ask} busy={action.pending} />
      ) : null}
      {confirming ? (
        <RevokeKeyConfirm
          apiKey={confirming}
          pending={action.pending}
          onConfirm={() => void confirm()}
          onCancel={cancel}
        />
      ) : null}
      <ErrorMessage error={action.error} />
    </div>
  );
}
