import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { MfaRequired } from '@roster/sdk';
import { useSession } from '../app/session';
import { useAction } from '../app/use-api';
import { TextField } from '../components/fields';
import { ErrorMessage, useBlocked } from '../components/status';
import { MfaStep } from './signin/MfaStep';
import { PasskeySignIn } from './signin/PasskeySignIn';

/**
 * Sign in with a password; an account with MFA then answers a challenge, and the second step (signin/MfaStep)
 * asks for a code, a recovery code or a passkey. A passkey alone signs in too (signin/PasskeySignIn).
 */
export function SignInPage() {
  const { signIn, state } = useSession();
  const [challenge, setChallenge] = useState<MfaRequired | null>(null);
  const [stepNotice, setStepNotice] = useState<string | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { run, pending, error } = useAction(signIn);
  const blocked = useBlocked(pending, error);
  const notice = stepNotice ?? (state.status === 'signed-out' ? state.notice : null);

  useEffect(() => {
    if (!challenge) document.getElementById('username')?.focus();
  }, [challenge]);
  const back = useCallback((why?: string) => {
    setChallenge(null);
    setStepNotice(why ?? null);
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const login = username.includes('@')
      ? { email: username.trim(), password }
      : { username: username.trim(), password };
    setStepNotice(null);
    void run(login).then((result) => {
      setPassword('');
      if (result) setChallenge(result);
    });
  };

  return (
    <main id="main" className="signin">
      <h1>Sign in to Roster</h1>
      {notice ? (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      ) : null}
      {!challenge ? (
        <form onSubmit={submit} noValidate aria-describedby={error ? 'signin-error' : undefined}>
          <TextField
            id="username"
            label="Username or email"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            error={error?.fields.username ?? error?.fields.email}
            required
          />
          <TextField
            id="password"
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={error?.fields.password}
            required
          />
          <div id="signin-error">
            <ErrorMessage error={error} />
          </div>
          <button type="submit" disabled={blocked}>
            {pending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      ) : (
        <MfaStep challenge={challenge} onBack={back} />
      )}
      {!challenge ? <PasskeySignIn /> : null}
    </main>
  );
}
