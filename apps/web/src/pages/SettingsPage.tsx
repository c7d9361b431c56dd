import { useState } from 'react';
import { MfaStatusPanel } from '../components/settings/MfaStatusPanel';
import { PasswordChangeForm } from '../components/settings/PasswordChangeForm';
import { SessionsPanel } from '../components/settings/SessionsPanel';
import { t } from '../i18n';
import { useSession } from '../session';

/** アカウント設定: the signed-in user's password, sessions and MFA status. */
export function SettingsPage() {
  const { me } = useSession();
  // A password change ends the other sessions: the list is read again afterwards.
  const [sessionsVersion, setSessionsVersion] = useState(0);

  return (
    <main className="page" data-testid="settings">
      <div className="page__head">
        <h1>
          {t.settings.title}
          <span className="page__subtitle">{me.email}</span>
        </h1>
      </div>
      <SessionsPanel version={sessionsVersion} />
      <div className="settings__grid">
        <PasswordChangeForm
          email={me.email}
          onChanged={() => {
            setSessionsVersion((n) => n + 1);
          }}
        />
        <MfaStatusPanel />
      </div>
    </main>
  );
}
