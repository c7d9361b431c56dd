import { useState } from 'react';
import { t } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';

export type HeaderSection = 'patients' | 'settings' | 'staff';

function current(active: HeaderSection | null, section: HeaderSection) {
  return active === section ? { 'aria-current': 'page' as const } : {};
}

export function Header({ active }: { active: HeaderSection | null }) {
  const { me, logout } = useSession();
  const [leaving, setLeaving] = useState(false);
  const h = t.header;

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
        <nav className="app-header__nav" aria-label={h.nav}>
          {me.role !== 'patient' && (
            <Link to="/patients" className="app-header__link" {...current(active, 'patients')}>
              {h.patients}
            </Link>
          )}
          {me.role === 'admin' && (
            <Link
              to="/staff"
              className="app-header__link"
              data-testid="nav-staff"
              {...current(active, 'staff')}
            >
              {h.staff}
            </Link>
          )}
        </nav>
        <div className="app-header__user">
          <span className="app-header__name" data-testid="current-user">
            {me.displayName}
          </span>
          <span className="badge badge--role">{t.roles[me.role]}</span>
          <Link
            to="/settings"
            className="app-header__link"
            data-testid="nav-settings"
            {...current(active, 'settings')}
          >
            {h.settings}
          </Link>
          <button
            type="button"
            className="button button--ghost"
            data-testid="logout"
            onClick={onLogout}
            disabled={leaving}
          >
            {leaving ? h.loggingOut : h.logout}
          </button>
        </div>
      </div>
    </header>
  );
}
