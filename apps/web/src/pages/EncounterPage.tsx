import { useState } from 'react';
import { getEncounter } from '../api/clinical';
import { getPatient } from '../api/patients';
import type { Encounter } from '../api/types';
import { BreakGlassBanner } from '../components/chart/BreakGlass';
import { AmendmentForm } from '../components/encounter/AmendmentForm';
import { EncounterMeta } from '../components/encounter/EncounterCard';
import type { EncounterDraft } from '../components/encounter/encounterDraft';
import { DiagnosisList, SoapView } from '../components/encounter/SoapView';
import { VersionHistory } from '../components/encounter/VersionHistory';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import { useLiveGrant } from '../hooks/useLiveGrant';
import { canSeeClinical } from '../lib/roles';
import { Link, patientPath } from '../router';
import { useSession } from '../session';

/** What the user had typed when their amendment lost the race, shown so it can be copied. */
function DiscardedDraft({ draft }: { draft: EncounterDraft }) {
  return (
    <details className="card discarded" open>
      <summary>{t.amendment.discardedDraft}</summary>
      <SoapView note={draft.note} />
      <DiagnosisList diagnoses={draft.rows.filter((r) => r.code.trim() || r.name.trim())} />
    </details>
  );
}

function Breadcrumb({ encounter, name }: { encounter: Encounter | null; name: string | null }) {
  return (
    <nav className="breadcrumb" aria-label={t.patient.breadcrumbLabel}>
      <Link to="/patients">{t.patient.breadcrumb}</Link>
      {encounter && (
        <>
          <span aria-hidden="true"> › </span>
          <Link to={patientPath(encounter.patientId, 'encounters')}>{name ?? t.patient.chart}</Link>
          <span aria-hidden="true"> › </span>
          <span>{t.encounter.title}</span>
        </>
      )}
    </nav>
  );
}

export function EncounterPage({ encounterId }: { encounterId: string }) {
  const { me } = useSession();
  const encounter = useResource(`encounter:${encounterId}`, (signal) =>
    getEncounter(encounterId, signal),
  );
  const patientId = encounter.data?.patientId ?? null;
  const patient = useResource(`patient:${patientId ?? ''}`, (signal) =>
    patientId ? getPatient(patientId, signal) : Promise.resolve(null),
  );
  const { grant } = useLiveGrant(patientId, me.role);
  const [amending, setAmending] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'success' | 'warning'; text: string } | null>(null);
  const [discarded, setDiscarded] = useState<EncounterDraft | null>(null);

  const data = encounter.data;
  // A record read through break-the-glass cannot be amended (the server would answer 403).
  const readOnly = grant !== null;
  const name = patient.data ? `${patient.data.familyName} ${patient.data.givenName}` : null;

  if (!data) {
    return (
      <main className="page">
        <Breadcrumb encounter={null} name={null} />
        {encounter.loading && <Loading />}
        {encounter.error &&
          (encounter.error.status === 404 ? (
            <Notice kind="warning">{t.encounter.notFound}</Notice>
          ) : (
            <ErrorNotice error={encounter.error} onRetry={encounter.reload} />
          ))}
      </main>
    );
  }

  return (
    <main className="page" data-testid="encounter-detail">
      <Breadcrumb encounter={data} name={name} />
      {grant && <BreakGlassBanner expiresAt={grant} />}
      <div className="page__head">
        <div>
          <h1>
            {t.encounter.title}
            {name && <span className="page__subtitle">{name}</span>}
          </h1>
          <EncounterMeta encounter={data} />
        </div>
        {canSeeClinical(me.role) && !readOnly && !amending && (
          <button
            type="button"
            className="button"
            data-testid="encounter-amend"
            onClick={() => {
              setAmending(true);
              setNotice(null);
              setDiscarded(null);
            }}
          >
            {t.encounter.amend}
          </button>
        )}
      </div>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      {encounter.error && <ErrorNotice error={encounter.error} onRetry={encounter.reload} />}
      {discarded && <DiscardedDraft draft={discarded} />}

      {amending ? (
        <AmendmentForm
          // After a conflict the reload brings a new current version; the form restarts from it.
          key={data.currentVersion}
          encounter={data}
          onSaved={() => {
            setAmending(false);
            setNotice({ kind: 'success', text: t.amendment.saved });
            encounter.reload();
          }}
          onCancel={() => {
            setAmending(false);
            setDiscarded(null);
          }}
          onConflict={(draft) => {
            setNotice({ kind: 'warning', text: t.amendment.conflict });
            setDiscarded(draft);
            encounter.reload();
          }}
        />
      ) : (
        <section className="card">
          <h2 className="card__title">
            {t.encounter.current}（{t.encounters.version(data.currentVersion)}）
          </h2>
          <SoapView note={data.note} />
          <DiagnosisList diagnoses={data.diagnoses} />
        </section>
      )}

      {data.versions && <VersionHistory versions={data.versions} current={data.currentVersion} />}
    </main>
  );
}
