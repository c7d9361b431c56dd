import type { EncounterVersion } from '../../api/types';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { DiagnosisList, SoapView } from './SoapView';

/** Every version stays readable (真正性・見読性・保存性); oldest first, as the server sends them. */
export function VersionHistory({
  versions,
  current,
}: {
  versions: EncounterVersion[];
  current: number;
}) {
  const e = t.encounter;
  return (
    <section className="card">
      <h2 className="card__title">{e.history}</h2>
      <p className="muted">{e.historyLead}</p>
      <ol className="versions">
        {versions.map((v) => (
          <li key={v.version} className="version" data-testid="encounter-version">
            <div className="version__head">
              <strong>{t.encounters.version(v.version)}</strong>
              {v.version === current && <span className="badge badge--current">{e.current}</span>}
              <span>
                {e.createdAt}: <time dateTime={v.createdAt}>{formatDateTime(v.createdAt)}</time>
              </span>
              <span>
                {e.author}: {v.authorName}
              </span>
            </div>
            <p className="version__reason">
              {e.reason}:{' '}
              <span className="prose">
                {v.reason ?? (v.version === 1 ? e.initial : t.common.empty)}
              </span>
            </p>
            <details className="version__body">
              <summary>{e.showVersion}</summary>
              <SoapView note={v.note} />
              <DiagnosisList diagnoses={v.diagnoses} />
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
