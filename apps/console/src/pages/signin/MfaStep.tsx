import { useEffect, useState, type FormEvent } from 'react';
import '../../components/factors.css';
import type { MfaRequired } from '@roster/sdk';
import { loadPasskeys, withPasskeyErrors } from '../../app/passkeys';
import { useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { TextField } from '../../components/fields';
import { ErrorMessage, useBlocked } from '../../components/status';
import { cleanCode, describeMethods, MFA_MESSAGES } from '../../lib/mfa';

/**
 * The second step of a password sign-in, for an account with MFA: a code from the authenticator app, a recovery
 * code, or a passkey, as the account's methods allow. An expired or used step goes back to the password.
 */
export function MfaStep({
  challenge,
  onBack,
}: {
  challenge: MfaRequired;
  onBack: (notice?: string) => void;
}) {
  const { client, signedIn } = useSession();
  const hasTotp = challenge.methods.includes('totp');
  const hasRecovery = challenge.methods.includes('recovery_code');
  const hasPasskey = challenge.methods.includes('webauthn');
  const [mode, setMode] = useState<'code' | 'recovery'>(hasTotp || !hasRecovery ? 'code' : 'recovery');
  const [value, setValue] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const verify = useAction(
    (proof: { code: string } | { recoveryCode: string }) =>
      client.mfa.verify({ mfaToken: challenge.mfaToken, ...proof }),
    MFA_MESSAGES,
  );
  const passkey = useAction(
    () =>
      withPasskeyErrors(async () => {
        const { verifyWithPasskey } = await loadPasskeys();
        return verifyWithPasskey(client, challenge.mfaToken);
      }),
    MFA_MESSAGES,
  );
  const error = verify.error ?? passkey.error;
  const blocked = useBlocked(verify.pending || passkey.pending, error);
  const fieldId = mode === 'code' ? 'mfa-code' : 'mfa-recovery-code';

  useEffect(() => {
    document.getElementById(fieldId)?.focus();
  }, [fieldId]);
  useEffect(() => {
    if (error?.code === 'INVALID_MFA_TOKEN') onBack(error.message);
  }, [error, onBack]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const cleaned = cleanCode(value);
    if (mode === 'code' && !/^\d{6}$/.test(cleaned)) {
      return setLocal('Enter the 6-digit code from your authenticator app.');
    }
    if (mode === 'recovery' && cleaned === '') return setLocal('Enter one of your recovery codes.');
    setLocal(null);
    const session = await verify.run(mode === 'code' ? { code: cleaned } : { recoveryCode: value.trim() });
    if (session) signedIn(session);
    else setValue('');
  };
  const withPasskey = async () => {
    setLocal(null);
    const session = await passkey.run();
    if (session) signedIn(session);
  };
  const switchMode = (next: 'code' | 'recovery') => {
    setMode(next);
    setValue('');
    setLocal(null);
    verify.setError(null);
  };
  const codeError = error?.code === 'INVALID_MFA_CODE' ? error.message : undefined;

  return (
    <section aria-labelledby="mfa-heading" className="mfa-step">
      <h2 id="mfa-heading">Two-step verification</h2>
      <p>Your password was right. To finish signing in, use {describeMethods(challenge.methods)}.</p>
      {hasTotp || hasRecovery ? (
        <form onSubmit={(e) => void submit(e)} noValidate>
          {mode === 'code' ? (
            <TextField
              key="code"
              id="mfa-code"
              label="Code from your authenticator app"
              inputMode="numeric"
              autoComplete="one-time-code"
              hint="6 digits; a new one every 30 seconds."
              value={value}
              onChange={(e) => setValue(e.target.value)}
              error={local ?? codeError}
              required
            />
          ) : (
            <TextField
              key="recovery"
              id="mfa-recovery-code"
              label="Recovery code"
              autoComplete="off"
              spellCheck={false}
              hint="One of the codes you saved when you turned on two-step verification. Each works once."
              value={value}
              onChange={(e) => setValue(e.target.value)}
              error={local ?? codeError}
              required
            />
          )}
          <ErrorMessage error={codeError ? null : error} />
          <button type="submit" disabled={blocked}>
            {verify.pending ? 'Checking…' : 'Verify and sign in'}
          </button>
          <div className="actions">
            {mode === 'code' && hasRecovery ? (
              <button type="button" className="button-quiet" onClick={() => switchMode('recovery')}>
                Use a recovery code instead
              </button>
            ) : null}
            {mode === 'recovery' && hasTotp ? (
              <button type="button" className="button-quiet" onClick={() => switchMode('code')}>
                Use your authenticator app instead
              </button>
            ) : null}
          </div>
        </form>
      ) : (
        <ErrorMessage error={error} />
      )}
      <div className="actions">
        {hasPasskey ? (
          <button type="button" disabled={blocked} onClick={() => void withPasskey()}>
            {passkey.pending ? 'Waiting for your passkey…' : 'Use a passkey'}
          </button>
        ) : null}
        <button type="button" className="button-quiet" onClick={() => onBack()}>
          Back to password
        </button>
      </div>
    </section>
  );
}
