import { useCallback, useState } from 'react';
import type { LoginStep } from '../api/auth';
import type { Me } from '../api/types';
import { CredentialsForm, type Identity } from '../components/login/CredentialsForm';
import { InitialPasswordForm } from '../components/login/InitialPasswordForm';
import { MfaEnrollment } from '../components/login/MfaEnrollment';
import { MfaVerify } from '../components/login/MfaVerify';
import { RecoveryCodes } from '../components/login/RecoveryCodes';
import { t } from '../i18n';

interface LoginPageProps {
  onLoggedIn: (me: Me) => void;
  notice: string | null;
}

/**
 * Where the login stands. The step tokens live here, in component state: never in storage,
 * and gone as soon as the user leaves the step.
 */
type Screen =
  | { name: 'credentials' }
  | { name: 'password'; passwordToken: string }
  | { name: 'enroll'; mfaToken: string }
  | { name: 'verify'; mfaToken: string }
  | { name: 'recovery'; me: Me; codes: string[] };

/** The login in steps (docs/api.md "Auth"): each answer names the screen that comes next. */
export function LoginPage({ onLoggedIn, notice }: LoginPageProps) {
  const [screen, setScreen] = useState<Screen>({ name: 'credentials' });
  const [identity, setIdentity] = useState<Identity>({ tenant: '', email: '' });
  const [stepNotice, setStepNotice] = useState<string | null>(null);

  const onStep = useCallback(
    (step: LoginStep) => {
      switch (step.status) {
        case 'ok':
          if (step.recoveryCodes) {
            setScreen({ name: 'recovery', me: step.me, codes: step.recoveryCodes });
          } else {
            onLoggedIn(step.me);
          }
          return;
        case 'password_change_required':
          setScreen({ name: 'password', passwordToken: step.passwordToken });
          return;
        case 'mfa_enrollment_required':
          setScreen({ name: 'enroll', mfaToken: step.mfaToken });
          return;
        case 'mfa_required':
          setScreen({ name: 'verify', mfaToken: step.mfaToken });
          return;
      }
    },
    [onLoggedIn],
  );

  const onExpired = useCallback(() => {
    setStepNotice(t.login.stepExpired);
    setScreen({ name: 'credentials' });
  }, []);

  const onBack = useCallback(() => {
    setStepNotice(null);
    setScreen({ name: 'credentials' });
  }, []);

  switch (screen.name) {
    case 'credentials':
      return (
        <CredentialsForm
          initial={identity}
          notice={stepNotice ?? notice}
          onStep={(step, typed) => {
            setIdentity(typed);
            setStepNotice(null);
            onStep(step);
          }}
        />
      );
    case 'password':
      return (
        <InitialPasswordForm
          passwordToken={screen.passwordToken}
          email={identity.email}
          onStep={onStep}
          onExpired={onExpired}
          onBack={onBack}
        />
      );
    case 'enroll':
      return (
        <MfaEnrollment
          // A new token is a new enrollment: nothing of the previous one may linger.
          key={screen.mfaToken}
          mfaToken={screen.mfaToken}
          onStep={onStep}
          onExpired={onExpired}
          onBack={onBack}
        />
      );
    case 'verify':
      return (
        <MfaVerify
          key={screen.mfaToken}
          mfaToken={screen.mfaToken}
          onStep={onStep}
          onExpired={onExpired}
          onBack={onBack}
        />
      );
    case 'recovery': {
      const { me, codes } = screen;
      return (
        <RecoveryCodes
          codes={codes}
          onAcknowledged={() => {
            onLoggedIn(me);
          }}
        />
      );
    }
  }
}
