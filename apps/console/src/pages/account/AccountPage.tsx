import { useState } from 'react';
import { Layout } from '../../components/Layout';
import { Planned } from '../../components/status';
import { ApiKeysSection } from './ApiKeysSection';
import { EmailSection } from './EmailSection';
import { PasswordSection } from './PasswordSection';
import { ProfileSection } from './ProfileSection';
import { SessionsSection } from './SessionsSection';

/** The signed-in person's own account: profile, email, password, sessions and API keys; MFA and passkeys to come. */
export function AccountPage() {
  const [round, setRound] = useState(0);
  return (
    <Layout title="Your account">
      <div className="grid">
        <ProfileSection />
        <EmailSection />
        <PasswordSection onChanged={() => setRound((r) => r + 1)} />
      </div>
      {/* A password change ends the other sessions: the list is read again. */}
      <SessionsSection key={round} />
      <ApiKeysSection />
      <div className="grid">
        <Planned title="Two-step verification">
          Enrol an authenticator app (with its QR code) and keep recovery codes here, once Roster supports
          multi-factor authentication.
        </Planned>
        <Planned title="Passkeys">Register and remove passkeys here, once Roster supports them.</Planned>
      </div>
    </Layout>
  );
}
