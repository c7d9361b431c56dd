import { useCallback, useEffect, useMemo, useState } from 'react';
import { logout, onSessionEnded, restoreSession } from './api/client';
import type { Me, Role } from './api/types';
import { Header, type HeaderSection } from './components/Header';
import { Loading } from './components/Notice';
import { t } from './i18n';
import { forgetAll } from './lib/memory';
import { AuditPage } from './pages/AuditPage';
import { ConsultPage } from './pages/ConsultPage';
import { BreakGlassPage } from './pages/BreakGlassPage';
import { BreakGlassReviewPage } from './pages/BreakGlassReviewPage';
import { EncounterPage } from './pages/EncounterPage';
import { LoginPage } from './pages/LoginPage';
import { MyPage } from './pages/MyPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { PatientChartPage } from './pages/PatientChartPage';
import { PatientListPage } from './pages/PatientListPage';
import { SchedulePage } from './pages/SchedulePage';
import { SettingsPage } from './pages/SettingsPage';
import { StaffPage } from './pages/StaffPage';
import { currentHref, navigate, parseRoute, useLocation, type Route } from './router';
import { SessionContext, type Session } from './session';

type SessionState =
  | { status: 'restoring' }
  | { status: 'anonymous'; notice: string | null }
  | { status: 'authenticated'; me: Me };

/** Where to go after login; memory only, like everything else about the session. */
let returnTo: string | null = null;

function rememberReturn(): void {
  const route = parseRoute(window.location.pathname);
  returnTo = route.name === 'login' || route.name === 'home' ? null : currentHref();
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'patients':
      return <PatientListPage />;
    case 'patient':
      // Keyed by id: one patient's data must never linger while another's loads.
      return <PatientChartPage key={route.id} patientId={route.id} />;
    case 'encounter':
      return <EncounterPage key={route.id} encounterId={route.id} />;
    case 'settings':
      return <SettingsPage />;
    case 'staff':
      return <StaffPage />;
    case 'breakGlass':
      return <BreakGlassPage />;
    case 'breakGlassReview':
      return <BreakGlassReviewPage />;
    case 'audit':
      return <AuditPage />;
    case 'myPage':
      return <MyPage />;
    case 'schedule':
      return <SchedulePage />;
    case 'consult':
      // Keyed by id: leaving one consultation for another closes the first one's socket.
      return <ConsultPage key={route.id} appointmentId={route.id} />;
    case 'home':
    case 'login':
      return <Loading />;
    case 'notFound':
      return <NotFoundPage />;
  }
}

const SECTIONS: ReadonlySet<string> = new Set<HeaderSection>([
  'patients',
  'settings',
  'staff',
  'breakGlass',
  'breakGlassReview',
  'audit',
  'myPage',
  'schedule',
]);

function headerSection(route: Route): HeaderSection | null {
  return SECTIONS.has(route.name) ? (route.name as HeaderSection) : null;
}

/** Where a signed-in user starts. */
function homePath(role: Role): string {
  return role === 'patient' ? '/mypage' : '/patients';
}

/**
 * A patient's account reaches its own page, its video consultations and the account settings,
 * nothing of the clinic's.
 */
function patientMayOpen(route: Route): boolean {
  return route.name === 'myPage' || route.name === 'settings' || route.name === 'consult';
}

export function App() {
  const [session, setSession] = useState<SessionState>({ status: 'restoring' });
  const location = useLocation();
  const route = parseRoute(location.pathname);

  useEffect(() => {
    let live = true;
    restoreSession().then(
      (me) => {
        if (!live) return;
        if (!me) rememberReturn();
        setSession(me ? { status: 'authenticated', me } : { status: 'anonymous', notice: null });
      },
      () => {
        if (!live) return;
        rememberReturn();
        setSession({ status: 'anonymous', notice: t.session.restoreFailed });
      },
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(
    () =>
      onSessionEnded(() => {
        forgetAll();
        rememberReturn();
        setSession({ status: 'anonymous', notice: t.session.expired });
      }),
    [],
  );

  // Keep the address bar in step with the session.
  const role = session.status === 'authenticated' ? session.me.role : null;
  const offLimits = role === 'patient' && !patientMayOpen(route);
  useEffect(() => {
    if (session.status === 'anonymous' && route.name !== 'login') {
      navigate('/login', { replace: true });
    }
    if (role === null) return;
    if (route.name === 'login' || route.name === 'home') {
      navigate(returnTo ?? homePath(role), { replace: true });
      returnTo = null;
    } else if (offLimits) {
      navigate(homePath(role), { replace: true });
    }
  }, [session.status, role, route.name, offLimits]);

  const onLogout = useCallback((endedNotice?: string) => {
    forgetAll();
    returnTo = null;
    // The token is already gone from memory when logout() returns its promise, so the screen
    // leaves at once; the notice follows when the server has answered.
    const done = logout();
    setSession({ status: 'anonymous', notice: null });
    void done
      .catch(() => false)
      .then((confirmed) => {
        const notice = confirmed
          ? (endedNotice ?? t.session.loggedOut)
          : t.session.logoutUnconfirmed;
        setSession((s) => (s.status === 'anonymous' ? { status: 'anonymous', notice } : s));
      });
  }, []);

  const value = useMemo<Session | null>(
    () => (session.status === 'authenticated' ? { me: session.me, logout: onLogout } : null),
    [session, onLogout],
  );

  if (session.status === 'restoring') {
    return (
      <main className="splash">
        <p role="status">{t.session.restoring}</p>
      </main>
    );
  }
  if (session.status === 'anonymous' || !value) {
    const notice = session.status === 'anonymous' ? session.notice : null;
    return (
      <LoginPage
        notice={notice}
        onLoggedIn={(me) => {
          setSession({ status: 'authenticated', me });
        }}
      />
    );
  }
  return (
    <SessionContext value={value}>
      <Header active={headerSection(route)} />
      {offLimits ? <Loading /> : <Page route={route} />}
    </SessionContext>
  );
}
