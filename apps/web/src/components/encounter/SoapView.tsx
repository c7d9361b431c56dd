import type { Diagnosis, SoapNote } from '../../api/types';
import { t } from '../../i18n';
import { SOAP_KEYS } from './encounterDraft';

/** Free text is rendered as text; line breaks are kept by CSS (white-space: pre-wrap). */
export function SoapView({ note }: { note: SoapNote }) {
  const written = SOAP_KEYS.filter((key) => note[key].trim() !== '');
  if (written.length === 0) return <p className="muted">{t.encounters.noNote}</p>;
  return (
    <dl className="soap">
      {written.map((key) => (
        <div key={key} className={`soap__item soap__item--${key}`}>
          <dt>{t.encounters.soap[key]}</dt>
          <dd className="prose">{note[key]}</dd>
        </div>
      ))}
    </dl>
  );
}

export function DiagnosisList({ diagnoses }: { diagnoses: Diagnosis[] }) {
  return (
    <div className="diagnoses">
      <h4 className="diagnoses__title">{t.encounters.diagnoses}</h4>
      {diagnoses.length === 0 ? (
        <p className="muted">{t.encounters.noDiagnoses}</p>
      ) : (
        <ul className="diagnoses__list">
          {diagnoses.map((d, index) => (
            <li key={`${d.code}-${index}`}>
              <span className="code">{d.code}</span>
              {d.codeSystem != null && (
                <span className="code-system">{systemLabel(d.codeSystem)}</span>
              )}{' '}
              {d.name}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A short name for an imported code's system; ICD-10 codes carry no label. */
function systemLabel(system: string): string {
  if (system.includes('snomed')) return 'SNOMED CT';
  if (/icd-?10/i.test(system)) return 'ICD-10';
  return system;
}
