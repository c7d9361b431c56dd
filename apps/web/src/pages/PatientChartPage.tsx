import { useEffect, useState } from 'react';
import { listEncounters, listMedications, listObservations } from '../api/clinical';
import { getPatient } from '../api/patients';
import type { BreakGlassGrant, Patient, Role } from '../api/types';
import { BreakGlassBanner, BreakGlassForm } from '../components/chart/BreakGlass';
import { CareTeamPanel } from '../components/chart/CareTeamPanel';
import { EncountersPanel } from '../components/chart/EncountersPanel';
import { FilesPanel } from '../components/files/FilesPanel';
import { PrescriptionsPanel } from '../components/prescriptions/PrescriptionsPanel';
import { MedicationsPanel } from '../components/chart/MedicationsPanel';
import { ObservationsPanel } from '../components/chart/ObservationsPanel';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { Demographics } from '../components/patient/Demographics';
import { PatientBanner } from '../components/patient/PatientBanner';
import { PatientForm } from '../components/patient/PatientForm';
import { PortalAccountPanel } from '../components/chart/PortalAccountPanel';
import { usePagedList, type PagedList } from '../hooks/usePagedList';
import { useLiveGrant } from '../hooks/useLiveGrant';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import {
  canBreakGlass,
  canCreatePortalAccount,
  canEditDemographics,
  canManageCareTeam,
  canSeeClinical,
} from '../lib/roles';
import { Link, navigate, patientPath, useLocation } from '../router';
import { useSession } from '../session';

const TABS = [
  'encounters',
  'observations',
  'medications',
  'prescriptions',
  'files',
  'profile',
  'careTeam',
] as const;
type Tab = (typeof TABS)[number];

function isForbidden<T>(list: PagedList<T>): boolean {
  return list.error?.status === 403;
}

interface ProfilePanelProps {
  patient: Patient;
  editable: boolean;
  onChanged: () => void;
}

/** Demographics, and for clerks and admins the edit form with its conflict handling. */
function ProfilePanel({ patient, editable, onChanged }: ProfilePanelProps) {
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'success' | 'warning'; text: string } | null>(null);
  const f = t.patientForm;

  return (
    <div className="panel-stack">
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {editing ? (
        <PatientForm
          // A reload after a conflict brings a new version; the form restarts from it.
          key={patient.version}
          patient={patient}
          onSaved={() => {
            setEditing(false);
            setNotice({ kind: 'success', text: f.saved });
            onChanged();
          }}
          onCancel={() => {
            setEditing(false);
          }}
          onConflict={() => {
            setNotice({ kind: 'warning', text: f.conflict });
            onChanged();
          }}
        />
      ) : (
        <>
          {editable && (
            <div className="panel-actions">
              <button
                type="button"
                className="button"
                onClick={() => {
                  setEditing(true);
                  setNotice(null);
                }}
              >
                {t.patient.edit}
              </button>
            </div>
          )}
          <Demographics patient={patient} />
        </>
      )}
    </div>
  );
}

/**
 * The end of the caller's break-the-glass grant for the patient (the one just opened, or a
 * running one the server lists after a reload), and whether it has run out while the chart was
 * open. A grant that ended before the chart opened is ignored: the server decides.
 */
function useGrant(patientId: string, role: Role) {
  const listed = useLiveGrant(patientId, role);
  const [opened, setOpened] = useState<Date | null>(null);
  const [expired, setExpired] = useState(false);
  const grant = opened ?? listed.grant;
  const endsAt = grant?.getTime() ?? null;

  useEffect(() => {
    if (endsAt === null) return;
    const timer = window.setTimeout(
      () => {
        setExpired(true);
      },
      Math.max(0, endsAt - Date.now()),
    );
    return () => {
      window.clearTimeout(timer);
    };
  }, [endsAt]);

  function start(granted: BreakGlassGrant) {
    setOpened(new Date(granted.expiresAt));
    setExpired(false);
  }
  return { grant, expired, start };
}

export function PatientChartPage({ patientId }: { patientId: string }) {
  const { me } = useSession();
  const location = useLocation();
  const clinical = canSeeClinical(me.role);
  const patient = useResource(`patient:${patientId}`, (signal) => getPatient(patientId, signal));
  const encounters = usePagedList(
    `encounters:${patientId}`,
    (cursor, signal) => listEncounters(patientId, cursor, signal),
    clinical,
  );
  const observations = usePagedList(
    `observations:${patientId}`,
    (cursor, signal) => listObservations(patientId, cursor, signal),
    clinical,
  );
  const medications = usePagedList(
    `medications:${patientId}`,
    (cursor, signal) => listMedications(patientId, cursor, signal),
    clinical,
  );

  const breakGlass = useGrant(patientId, me.role);

  // Clerks never see clinical tabs; for others a section the server forbids is left out.
  const visible: Record<Tab, boolean> = {
    encounters: clinical && !isForbidden(encounters),
    observations: clinical && !isForbidden(observations),
    medications: clinical && !isForbidden(medications),
    // Read only while a break-the-glass grant is open: prescribing and uploading need care.
    prescriptions: clinical,
    files: clinical,
    profile: true,
    careTeam: canManageCareTeam(me.role),
  };
  const tabs = TABS.filter((tab) => visible[tab]);
  const requested = location.search.get('tab');
  const active: Tab = tabs.find((tab) => tab === requested) ?? tabs[0] ?? 'profile';

  function onGranted(grant: BreakGlassGrant) {
    breakGlass.start(grant);
    patient.reload();
    encounters.reload();
    observations.reload();
    medications.reload();
  }

  // Out of reach: a doctor or nurse may open it through break-the-glass. After a grant runs out
  // nothing read through it stays on screen.
  const outOfReach = patient.error?.status === 404;
  if (!patient.data || breakGlass.expired) {
    return (
      <main className="page">
        <Breadcrumb />
        {breakGlass.expired && <Notice kind="warning">{t.breakGlass.expired}</Notice>}
        {patient.loading && !breakGlass.expired && <Loading />}
        {(outOfReach || breakGlass.expired) && canBreakGlass(me.role) ? (
          <BreakGlassForm patientId={patientId} onGranted={onGranted} />
        ) : (
          patient.error &&
          (outOfReach ? (
            <Notice kind="warning">{t.patient.notFound}</Notice>
          ) : (
            <ErrorNotice error={patient.error} onRetry={patient.reload} />
          ))
        )}
      </main>
    );
  }

  const readOnly = breakGlass.grant !== null;

  return (
    <main className="page" data-testid="patient-chart">
      <Breadcrumb name={`${patient.data.familyName} ${patient.data.givenName}`} />
      {breakGlass.grant && <BreakGlassBanner expiresAt={breakGlass.grant} />}
      <PatientBanner patient={patient.data} />
      {patient.error && <ErrorNotice error={patient.error} onRetry={patient.reload} />}
      {tabs.length > 1 && (
        <nav className="tabs" aria-label={t.patient.tabs.label}>
          {tabs.map((tab) => (
            <button
              key={tab}
              type="button"
              className="tabs__tab"
              aria-pressed={tab === active}
              data-testid={`tab-${tab}`}
              onClick={() => {
                navigate(patientPath(patientId, tab), { replace: true });
              }}
            >
              {t.patient.tabs[tab]}
            </button>
          ))}
        </nav>
      )}
      <div className="tab-panel">
        {active === 'encounters' && (
          <EncountersPanel patientId={patientId} list={encounters} readOnly={readOnly} />
        )}
        {active === 'observations' && <ObservationsPanel list={observations} />}
        {active === 'medications' && <MedicationsPanel list={medications} />}
        {active === 'prescriptions' && (
          <PrescriptionsPanel
            patientId={patientId}
            canPrescribe={me.role === 'doctor' && !readOnly}
          />
        )}
        {active === 'files' && <FilesPanel patientId={patientId} canUpload={!readOnly} />}
        {active === 'profile' && (
          <div className="panel-stack">
            <ProfilePanel
              patient={patient.data}
              editable={canEditDemographics(me.role)}
              onChanged={patient.reload}
            />
            {canCreatePortalAccount(me.role) && (
              <PortalAccountPanel patient={patient.data} tenantCode={me.tenant.code} />
            )}
          </div>
        )}
        {active === 'careTeam' && <CareTeamPanel patientId={patientId} readOnly={readOnly} />}
      </div>
    </main>
  );
}

function Breadcrumb({ name }: { name?: string }) {
  return (
    <nav className="breadcrumb" aria-label={t.patient.breadcrumbLabel}>
      <Link to="/patients">{t.patient.breadcrumb}</Link>
      {name && (
        <>
          <span aria-hidden="true"> › </span>
          <span>{name}</span>
        </>
      )}
    </nav>
  );
}
