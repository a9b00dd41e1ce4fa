import { useCallback, useState, type FormEvent } from 'react';
import '../../components/factors.css';
import { useMe, useSession } from '../../app/session';
import { useAction, useQuery } from '../../app/use-api';
import { CurrentPasswordField, TextField } from '../../components/fields';
import { Badge, ErrorMessage, Loading, Success, useBlocked } from '../../components/status';
import { describeMfaStatus, MFA_MESSAGES, proofOf } from '../../lib/mfa';
import { RecoveryCodes } from './RecoveryCodes';
import { TotpEnrol } from './TotpEnrol';

type Mode = 'idle' | 'enrol' | 'regenerate' | 'disable';

/**
 * Two-step verification: its status, turning an authenticator app on (TotpEnrol), new recovery codes and turning
 * the app off (each with the password and a code). `round` changes when passkeys change, to read the status again;
 * `onSessionsEnded` after new recovery codes or turning the app off, which end the account's other sessions.
 */
export function MfaSection({ round = 0, onSessionsEnded }: { round?: number; onSessionsEnded?: () => void }) {
  const me = useMe();
  const { client } = useSession();
  const status = useQuery(
    // eslint-disable-next-line react-hooks/exhaustive-deps -- round asks for a fresh read
    useCallback(() => client.mfa.status(), [client, round]),
  );
  const [mode, setMode] = useState<Mode>('idle');
  const [codes, setCodes] = useState<string[] | null>(null);
  /** What is said once the codes shown are saved: they came from enrolment, or replaced a set. */
  const [savedNotice, setSavedNotice] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  const finish = (message: string | null) => {
    setMode('idle');
    setNotice(message);
    status.reload();
  };
  const s = status.data;

  return (
    <section className="card" aria-labelledby="mfa-heading">
      <h2 id="mfa-heading">Two-step verification</h2>
      {status.loading && !s ? <Loading what="Loading two-step verification…" /> : null}
      <ErrorMessage error={status.error} />
      {s ? (
        <p data-testid="mfa-status">
          {s.totp || s.passkeys > 0 ? <Badge tone="ok">On</Badge> : <Badge tone="muted">Off</Badge>}{' '}
          {describeMfaStatus(s)}
        </p>
      ) : null}
      {notice ? <Success>{notice}</Success> : null}
      {codes ? (
        <RecoveryCodes
          codes={codes}
          account={me.username}
          onSaved={() => {
            setCodes(null);
            finish(savedNotice);
          }}
        />
      ) : null}
      {!codes && s && mode === 'enrol' ? (
        <TotpEnrol
          onEnabled={(next) => {
            setMode('idle');
            setNotice(null);
            setSavedNotice('Two-step verification is on. Keep your recovery codes safe.');
            setCodes(next);
          }}
          onCancel={() => setMode('idle')}
        />
      ) : null}
      {!codes && s && (mode === 'regenerate' || mode === 'disable') ? (
        <ProofForm
          mode={mode}
          onDone={(next) => {
            onSessionsEnded?.();
            if (next) {
              setMode('idle');
              setSavedNotice(
                'New recovery codes are ready, and the old ones no longer work. Your other sessions were signed out.',
              );
              setCodes(next);
            } else
              finish(
                'The authenticator app is off, and its recovery codes no longer work. Your other sessions were ' +
                  'signed out.',
              );
          }}
          onCancel={() => setMode('idle')}
        />
      ) : null}
      {!codes && s && mode === 'idle' ? (
        <div className="actions">
          {!s.totp ? (
            <button type="button" onClick={() => (setNotice(null), setMode('enrol'))}>
              Set up an authenticator app
            </button>
          ) : (
            <>
              <button
                type="button"
                className="button-quiet"
                onClick={() => (setNotice(null), setMode('regenerate'))}
              >
                New recovery codes
              </button>
              <button
                type="button"
                className="button-danger"
                onClick={() => (setNotice(null), setMode('disable'))}
              >
                Turn off the authenticator app
              </button>
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}

/** The password and a code (or a recovery code): for new recovery codes, or to turn the app off. */
function ProofForm({
  mode,
  onDone,
  onCancel,
}: {
  mode: 'regenerate' | 'disable';
  onDone: (codes: string[] | null) => void;
  onCancel: () => void;
}) {
  const { client } = useSession();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const action = useAction(async (input: { password: string; code: string }) => {
    const proof = proofOf(input.code) ?? { code: '' };
    if (mode === 'regenerate')
      return client.mfa.regenerateRecoveryCodes({ password: input.password, ...proof });
    await client.mfa.disableTotp({ password: input.password, ...proof });
    return null;
  }, MFA_MESSAGES);
  const blocked = useBlocked(action.pending, action.error);
  const id = `mfa-${mode}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!proofOf(code)) return setLocal('Enter a code from your authenticator app, or a recovery code.');
    setLocal(null);
    const result = await action.run({ password, code });
    setPassword('');
    setCode('');
    if (result !== undefined) onDone(result);
  };
  const e = action.error;
  return (
    <form
      onSubmit={(ev) => void submit(ev)}
      noValidate
      aria-label={mode === 'regenerate' ? 'New recovery codes' : 'Turn off the authenticator app'}
    >
      <p>
        {mode === 'regenerate'
          ? 'A new set of ten recovery codes replaces the old one, which stops working.'
          : 'Your account will need only your password (and any passkeys) to sign in.'}
      </p>
      <CurrentPasswordField
        id={`${id}-password`}
        value={password}
        onChange={(ev) => setPassword(ev.target.value)}
        apiError={e}
      />
      <TextField
        id={`${id}-code`}
        label="Code from your authenticator app, or a recovery code"
        autoComplete="one-time-code"
        value={code}
        onChange={(ev) => setCode(ev.target.value)}
        error={
          local ??
          e?.fields.code ??
          e?.fields.recovery_code ??
          (e?.code === 'WRONG_MFA_CODE' ? e.message : undefined)
        }
        required
      />
      <ErrorMessage error={e?.code === 'WRONG_PASSWORD' || e?.code === 'WRONG_MFA_CODE' ? null : e} />
      <div className="actions">
        <button type="submit" className={mode === 'disable' ? 'button-danger' : undefined} disabled={blocked}>
          {action.pending ? 'Checking…' : mode === 'regenerate' ? 'Make new recovery codes' : 'Turn off'}
        </button>
        <button type="button" className="button-quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
