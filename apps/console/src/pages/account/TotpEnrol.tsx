import { useEffect, useState, type FormEvent } from 'react';
import type { RouterOutputs } from '@roster/sdk';
import { useSession } from '../../app/session';
import { useAction } from '../../app/use-api';
import { CurrentPasswordField, TextField } from '../../components/fields';
import { ErrorMessage, useBlocked } from '../../components/status';
import { cleanCode, groupSecret, MFA_MESSAGES, svgDataUri, totpCodeError } from '../../lib/mfa';

type Setup = RouterOutputs['auth']['mfa']['setupTotp'];

/**
 * Turning on an authenticator app: the password, then the QR code (an <img> of the SVG as a data: URI, which the
 * console's CSP allows) with the secret as text for typing in by hand, then a code from the app to confirm.
 * Answers the recovery codes.
 */
export function TotpEnrol({
  onEnabled,
  onCancel,
}: {
  onEnabled: (codes: string[]) => void;
  onCancel: () => void;
}) {
  const { client } = useSession();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [local, setLocal] = useState<string | null>(null);
  const [setup, setSetup] = useState<Setup | null>(null);
  const start = useAction((pw: string) => client.mfa.setupTotp(pw), MFA_MESSAGES);
  const confirm = useAction((c: string) => client.mfa.confirmTotp(c), MFA_MESSAGES);
  const startBlocked = useBlocked(start.pending, start.error);
  const confirmBlocked = useBlocked(confirm.pending, confirm.error);

  useEffect(() => {
    document.getElementById(setup ? 'totp-code' : 'totp-password')?.focus();
  }, [setup]);

  const submitPassword = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await start.run(password);
    setPassword('');
    if (answer) setSetup(answer);
  };
  const submitCode = async (event: FormEvent) => {
    event.preventDefault();
    const problem = totpCodeError(code);
    setLocal(problem);
    if (problem) return;
    const codes = await confirm.run(cleanCode(code));
    setCode('');
    if (codes) onEnabled(codes);
  };

  if (!setup) {
    return (
      <form onSubmit={(e) => void submitPassword(e)} noValidate aria-label="Set up an authenticator app">
        <CurrentPasswordField
          id="totp-password"
          hint="To set up an authenticator app, confirm it is you."
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          apiError={start.error}
        />
        <ErrorMessage error={start.error?.code === 'WRONG_PASSWORD' ? null : start.error} />
        <div className="actions">
          <button type="submit" disabled={startBlocked || password === ''}>
            {start.pending ? 'Checking…' : 'Continue'}
          </button>
          <button type="button" className="button-quiet" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    );
  }

  const codeError =
    local ??
    confirm.error?.fields.code ??
    (confirm.error?.code === 'WRONG_MFA_CODE' ? confirm.error.message : undefined);
  return (
    <div className="totp-enrol">
      <ol className="steps">
        <li>
          <p>Scan this QR code with your authenticator app.</p>
          <img
            className="qr"
            src={svgDataUri(setup.qr_svg)}
            alt="QR code to add Roster to your authenticator app"
            width={200}
            height={200}
          />
        </li>
        <li>
          <p>Or type this key into the app by hand (time-based, 6 digits):</p>
          <p>
            <code className="secret" data-testid="totp-secret">
              {groupSecret(setup.secret)}
            </code>
          </p>
        </li>
        <li>
          <form onSubmit={(e) => void submitCode(e)} noValidate aria-label="Confirm the authenticator app">
            <TextField
              id="totp-code"
              label="Code from the app"
              inputMode="numeric"
              autoComplete="one-time-code"
              hint="Enter the 6-digit code the app shows now."
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={codeError}
              required
            />
            <ErrorMessage error={confirm.error?.code === 'WRONG_MFA_CODE' ? null : confirm.error} />
            <div className="actions">
              <button type="submit" disabled={confirmBlocked}>
                {confirm.pending ? 'Checking…' : 'Turn on'}
              </button>
              <button type="button" className="button-quiet" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}
