import { useState } from 'react';
import { useActing } from '../../app/session';
import { Layout } from '../../components/Layout';
import { ApiKeysSection } from './ApiKeysSection';
import { EmailSection } from './EmailSection';
import { MfaSection } from './MfaSection';
import { PasskeysSection } from './PasskeysSection';
import { PasswordSection } from './PasswordSection';
import { ProfileSection } from './ProfileSection';
import { SessionsSection } from './SessionsSection';

/** What an admin acting as the account cannot do here, and why: the API refuses it (FORBIDDEN_WHILE_IMPERSONATING). */
function NotWhileActing({ username }: { username: string }) {
  return (
    <section className="card" aria-labelledby="not-while-acting-heading">
      <h2 id="not-while-acting-heading">Needs {username} themselves</h2>
      <p>
        While you act as {username} you can read and edit their profile and see their sessions. These need
        them to sign in themselves, so they are not offered:
      </p>
      <ul>
        <li>changing the email address or the password;</li>
        <li>creating, listing or revoking API keys;</li>
        <li>two-step verification and passkeys;</li>
        <li>ending sessions or signing out everywhere.</li>
      </ul>
    </section>
  );
}

/**
 * The signed-in person's own account: profile, email, password, sessions, MFA, passkeys and API keys.
 * An admin acting as the account sees what its owner sees, less what only the owner may do.
 */
export function AccountPage() {
  const acting = useActing();
  const [round, setRound] = useState(0);
  const [factors, setFactors] = useState(0);
  return (
    <Layout title="Your account">
      <div className="grid">
        <ProfileSection />
        <EmailSection />
        {acting ? (
          <NotWhileActing username={acting.as.user.username} />
        ) : (
          <PasswordSection onChanged={() => setRound((r) => r + 1)} />
        )}
      </div>
      {/* A password change, or a change of second factors, ends the other sessions: the list is read again. */}
      <SessionsSection key={round} />
      {acting ? null : <ApiKeysSection />}
      {acting ? null : (
        <div className="grid">
          <MfaSection round={factors} onSessionsEnded={() => setRound((r) => r + 1)} />
          <PasskeysSection
            onChanged={() => {
              setFactors((r) => r + 1);
              setRound((r) => r + 1);
            }}
          />
        </div>
      )}
    </Layout>
  );
}
