import type { ReactNode } from 'react';
import { t } from '../../i18n';

interface LoginCardProps {
  title: string;
  lead?: string;
  children: ReactNode;
  /** Wider, for the enrollment and recovery-code screens. */
  wide?: boolean;
  testId?: string;
}

/** The frame every login step shares: product, title, a short explanation. */
export function LoginCard({ title, lead, children, wide = false, testId }: LoginCardProps) {
  return (
    <main className="login">
      <div className={`card login__card${wide ? ' login__card--wide' : ''}`} data-testid={testId}>
        <p className="login__product">{t.appName}</p>
        <h1 className="login__title">{title}</h1>
        {lead && <p className="muted">{lead}</p>}
        {children}
      </div>
    </main>
  );
}

/** "Back to login": abandons the step; its token is simply forgotten. */
export function BackToLogin({ onBack }: { onBack: () => void }) {
  return (
    <button type="button" className="link-button" onClick={onBack}>
      {t.login.backToLogin}
    </button>
  );
}
