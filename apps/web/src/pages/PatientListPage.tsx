import { useState, type SubmitEvent } from 'react';
import { listPatients } from '../api/patients';
import type { Patient } from '../api/types';
import { Field } from '../components/Field';
import { LoadMore } from '../components/LoadMore';
import { ErrorNotice, Loading } from '../components/Notice';
import { PatientForm } from '../components/patient/PatientForm';
import { usePagedList } from '../hooks/usePagedList';
import { t } from '../i18n';
import { formatBirthDate } from '../lib/format';
import { recall, remember } from '../lib/memory';
import { toKatakana } from '../lib/normalize';
import { canEditDemographics } from '../lib/roles';
import { Link, navigate, patientPath } from '../router';
import { useSession } from '../session';

const SEARCH_MEMORY = 'patients.kana';

function PatientRow({ patient }: { patient: Patient }) {
  return (
    <li className="patient-row" data-testid="patient-row">
      <Link to={patientPath(patient.id)} className="patient-row__link">
        <span className="patient-row__names">
          <span className="patient-row__kana">
            {patient.familyNameKana} {patient.givenNameKana}
          </span>
          <span className="patient-row__kanji">
            {patient.familyName} {patient.givenName}
          </span>
        </span>
        <span className="patient-row__facts">
          <span>{t.sex[patient.sex]}</span>
          <span>{formatBirthDate(patient.birthDate)}</span>
        </span>
      </Link>
    </li>
  );
}

export function PatientListPage() {
  const { me } = useSession();
  const [input, setInput] = useState(() => recall(SEARCH_MEMORY));
  const [kana, setKana] = useState(() => recall(SEARCH_MEMORY));
  const [creating, setCreating] = useState(false);
  const list = usePagedList(`patients:${kana}`, (cursor, signal) =>
    listPatients(kana, cursor, signal),
  );
  const p = t.patients;

  // Searching on submit rather than per keystroke: every list call is an audited read, and
  // the IME sends half-composed text while typing.
  function search(event: SubmitEvent) {
    event.preventDefault();
    const normalized = toKatakana(input);
    setInput(normalized);
    setKana(normalized);
    remember(SEARCH_MEMORY, normalized);
  }

  function clearSearch() {
    setInput('');
    setKana('');
    remember(SEARCH_MEMORY, '');
  }

  return (
    <main className="page">
      <div className="page__head">
        <h1>{p.title}</h1>
        {canEditDemographics(me.role) && !creating && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setCreating(true);
            }}
          >
            ＋ {p.add}
          </button>
        )}
      </div>

      {creating && (
        <PatientForm
          patient={null}
          onSaved={(patient) => {
            navigate(patientPath(patient.id));
          }}
          onCancel={() => {
            setCreating(false);
          }}
        />
      )}

      <form className="search" role="search" onSubmit={search}>
        <Field label={p.searchLabel} hint={p.searchHint}>
          {(control) => (
            <input
              {...control}
              type="search"
              name="kana"
              data-testid="patient-search"
              value={input}
              placeholder={p.searchPlaceholder}
              autoComplete="off"
              onChange={(event) => {
                setInput(event.target.value);
              }}
            />
          )}
        </Field>
        <div className="search__actions">
          <button type="submit" className="button">
            {p.search}
          </button>
          {kana && (
            <button type="button" className="button button--secondary" onClick={clearSearch}>
              {p.clear}
            </button>
          )}
        </div>
      </form>

      <section className="card card--flush" aria-live="polite">
        <h2 className="card__title card__title--padded">{kana ? p.resultFor(kana) : p.all}</h2>
        {!list.loaded && list.loading && <Loading />}
        {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loaded && list.items.length === 0 && <p className="empty">{p.empty}</p>}
        {list.items.length > 0 && (
          <ul className="patient-list">
            {list.items.map((patient) => (
              <PatientRow key={patient.id} patient={patient} />
            ))}
          </ul>
        )}
        <LoadMore list={list} />
      </section>
    </main>
  );
}
