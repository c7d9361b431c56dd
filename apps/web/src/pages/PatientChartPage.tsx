import { useState } from 'react';
import { listEncounters, listMedications, listObservations } from '../api/clinical';
import { getPatient } from '../api/patients';
import type { Patient } from '../api/types';
import { EncountersPanel } from '../components/chart/EncountersPanel';
import { MedicationsPanel } from '../components/chart/MedicationsPanel';
import { ObservationsPanel } from '../components/chart/ObservationsPanel';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { Demographics } from '../components/patient/Demographics';
import { PatientBanner } from '../components/patient/PatientBanner';
import { PatientForm } from '../components/patient/PatientForm';
import { usePagedList, type PagedList } from '../hooks/usePagedList';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import { canEditDemographics, canSeeClinical } from '../lib/roles';
import { Link, navigate, patientPath, useLocation } from '../router';
import { useSession } from '../session';

const TABS = ['encounters', 'observations', 'medications', 'profile'] as const;
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

  // Clerks never see clinical tabs; for others a section the server forbids is left out.
  const visible: Record<Tab, boolean> = {
    encounters: clinical && !isForbidden(encounters),
    observations: clinical && !isForbidden(observations),
    medications: clinical && !isForbidden(medications),
    profile: true,
  };
  const tabs = TABS.filter((tab) => visible[tab]);
  const requested = location.search.get('tab');
  const active: Tab = tabs.find((tab) => tab === requested) ?? tabs[0] ?? 'profile';

  if (!patient.data) {
    return (
      <main className="page">
        <Breadcrumb />
        {patient.loading && <Loading />}
        {patient.error &&
          (patient.error.status === 404 ? (
            <Notice kind="warning">{t.patient.notFound}</Notice>
          ) : (
            <ErrorNotice error={patient.error} onRetry={patient.reload} />
          ))}
      </main>
    );
  }

  return (
    <main className="page" data-testid="patient-chart">
      <Breadcrumb name={`${patient.data.familyName} ${patient.data.givenName}`} />
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
        {active === 'encounters' && <EncountersPanel patientId={patientId} list={encounters} />}
        {active === 'observations' && <ObservationsPanel list={observations} />}
        {active === 'medications' && <MedicationsPanel list={medications} />}
        {active === 'profile' && (
          <ProfilePanel
            patient={patient.data}
            editable={canEditDemographics(me.role)}
            onChanged={patient.reload}
          />
        )}
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
