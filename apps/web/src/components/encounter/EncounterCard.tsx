import type { Encounter } from '../../api/types';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { Link, encounterPath } from '../../router';
import { DiagnosisList, SoapView } from './SoapView';

export function EncounterMeta({ encounter }: { encounter: Encounter }) {
  return (
    <p className="encounter-meta">
      <time dateTime={encounter.startedAt}>{formatDateTime(encounter.startedAt)}</time>
      <span className={`badge badge--${encounter.type}`}>{t.encounterType[encounter.type]}</span>
      <span>
        {t.encounters.clinician}: {encounter.clinicianName}
      </span>
      {encounter.currentVersion > 1 && (
        <span className="badge badge--amended">
          {t.encounters.amended}（{t.encounters.version(encounter.currentVersion)}）
        </span>
      )}
    </p>
  );
}

export function EncounterCard({ encounter }: { encounter: Encounter }) {
  return (
    <article className="card encounter" data-testid="encounter-item">
      <header className="encounter__head">
        <EncounterMeta encounter={encounter} />
        <Link to={encounterPath(encounter.id)} className="encounter__link">
          {t.encounters.details} →
        </Link>
      </header>
      <SoapView note={encounter.note} />
      <DiagnosisList diagnoses={encounter.diagnoses} />
    </article>
  );
}
