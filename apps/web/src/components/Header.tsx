import { useState } from 'react';
import { t } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';

export function Header({ active }: { active: 'patients' | null }) {
  const { me, logout } = useSession();
  const [leaving, setLeaving] = useState(false);

  function onLogout() {
    setLeaving(true);
    logout();
  }

  return (
    <header className="app-header">
      <div className="app-header__inner">
        <div className="app-header__brand">
          <span className="app-header__product">{t.appName}</span>
          <span className="app-header__clinic">{me.tenant.name}</span>
        </div>
        <nav className="app-header__nav" aria-label={t.header.nav}>
          <Link
            to="/patients"
            className="app-header__link"
            {...(active === 'patients' ? { 'aria-current': 'page' as const } : {})}
          >
            {t.header.patients}
          </Link>
        </nav>
        <div className="app-header__user">
          <span className="app-header__name" data-testid="current-user">
            {me.displayName}
          </span>
          <span className="badge badge--role">{t.roles[me.role]}</span>
          <button
            type="button"
            className="button button--ghost"
            onClick={onLogout}
            disabled={leaving}
          >
            {leaving ? t.header.loggingOut : t.header.logout}
          </button>
        </div>
      </div>
    </header>
  );
}
