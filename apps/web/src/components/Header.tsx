import { useState } from 'react';
import { t } from '../i18n';
import { schedule } from '../i18n/consult';
import { canBreakGlass, canUseSchedule } from '../lib/roles';
import { Link } from '../router';
import { useSession } from '../session';

export type HeaderSection =
  | 'patients'
  | 'schedule'
  | 'settings'
  | 'staff'
  | 'breakGlass'
  | 'breakGlassReview'
  | 'audit'
  | 'myPage';

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
          {me.role === 'patient' ? (
            <Link
              to="/mypage"
              className="app-header__link"
              data-testid="nav-my-page"
              {...current(active, 'myPage')}
            >
              {h.myPage}
            </Link>
          ) : (
            <Link
              to="/patients"
              className="app-header__link"
              data-testid="nav-patients"
              {...current(active, 'patients')}
            >
              {h.patients}
            </Link>
          )}
          {canUseSchedule(me.role) && (
            <Link
              to="/schedule"
              className="app-header__link"
              data-testid="nav-schedule"
              {...current(active, 'schedule')}
            >
              {schedule.nav}
            </Link>
          )}
          {canBreakGlass(me.role) && (
            <Link
              to="/break-glass"
              className="app-header__link"
              data-testid="nav-break-glass"
              {...current(active, 'breakGlass')}
            >
              {h.breakGlass}
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
          {me.role === 'admin' && (
            <Link
              to="/break-glass/review"
              className="app-header__link"
              data-testid="nav-break-glass-review"
              {...current(active, 'breakGlassReview')}
            >
              {h.breakGlassReview}
            </Link>
          )}
          {me.role === 'admin' && (
            <Link
              to="/audit"
              className="app-header__link"
              data-testid="nav-audit"
              {...current(active, 'audit')}
            >
              {h.audit}
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
