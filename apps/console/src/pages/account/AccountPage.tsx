import { useState } from 'react';
import { Layout } from '../../components/Layout';
import { Planned } from '../../components/status';
import { EmailSection } from './EmailSection';
import { MfaSection } from './MfaSection';
import { PasskeysSection } from './PasskeysSection';
import { PasswordSection } from './PasswordSection';
import { ProfileSection } from './ProfileSection';
import { SessionsSection } from './SessionsSection';

/** The signed-in person's own account: profile, email, password, sessions, MFA and passkeys; API keys to come. */
export function AccountPage() {
  const [round, setRound] = useState(0);
  const [factors, setFactors] = useState(0);
  return (
    <Layout title="Your account">
      <div className="grid">
        <ProfileSection />
        <EmailSection />
        <PasswordSection onChanged={() => setRound((r) => r + 1)} />
      </div>
      {/* A password change ends the other sessions: the list is read again. */}
      <SessionsSection key={round} />
      <div className="grid">
        <MfaSection round={factors} />
        <PasskeysSection onChanged={() => setFactors((r) => r + 1)} />
        <Planned title="API keys">
          Create and revoke API keys for your scripts here, once Roster issues them.
        </Planned>
      </div>
    </Layout>
  );
}
