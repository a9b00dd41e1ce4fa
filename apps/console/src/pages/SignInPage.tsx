import { useEffect, useState, type FormEvent } from 'react';
import { useSession } from '../app/session';
import { useAction } from '../app/use-api';
import { TextField } from '../components/fields';
import { ErrorMessage, useBlocked } from '../components/status';

/**
 * Sign in with a password. The flow has steps so the ones being built elsewhere slot in: after the password, an
 * account with MFA will answer a challenge, and the "mfa" step will ask for the code; passkeys get their own
 * button above the form. Until those land, "password" is the only step.
 */
type Step = 'password' | 'mfa';

export function SignInPage() {
  const { signIn, state } = useSession();
  const [step] = useState<Step>('password');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { run, pending, error } = useAction(signIn);
  const blocked = useBlocked(pending, error);
  const notice = state.status === 'signed-out' ? state.notice : null;

  useEffect(() => {
    document.getElementById('username')?.focus();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const login = username.includes('@')
      ? { email: username.trim(), password }
      : { username: username.trim(), password };
    void run(login).then(() => setPassword(''));
  };

  return (
    <main id="main" className="signin">
      <h1>Sign in to Roster</h1>
      {notice ? (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      ) : null}
      {step === 'password' ? (
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
        <p>Enter the code from your authenticator app.</p>
      )}
      <section className="signin-more" aria-labelledby="other-ways">
        <h2 id="other-ways">Other ways to sign in</h2>
        <p className="muted">
          Passkeys and two-step verification are on their way; accounts will be able to use them here once
          Roster supports them.
        </p>
      </section>
    </main>
  );
}
