import { useState } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { listPatients } from '../../api/patients';
import type { Patient } from '../../api/types';
import { schedule as s } from '../../i18n/consult';
import { formatBirthDate } from '../../lib/format';
import { toKatakana } from '../../lib/normalize';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';

interface PatientPickerProps {
  chosen: Patient | null;
  onChoose: (patient: Patient | null) => void;
  error: string | undefined;
}

/**
 * Finds the patient to book for. Searching on request, not per keystroke: every list call is an
 * audited read, and an IME sends half-composed text while typing.
 */
export function PatientPicker({ chosen, onChoose, error }: PatientPickerProps) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Patient[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);

  async function search() {
    const kana = toKatakana(query.trim());
    setQuery(kana);
    setSearching(true);
    setFailure(null);
    try {
      const page = await listPatients(kana, null);
      setResults(page.items);
      if (page.items.length === 1 && page.items[0]) onChoose(page.items[0]);
    } catch (err) {
      setFailure(asApiError(err));
    } finally {
      setSearching(false);
    }
  }

  return (
    <div className="form__wide booking__patient">
      <Field label={s.patientSearch} hint={s.patientSearchHint} error={error} required>
        {(control) => (
          <div className="input-with-button">
            <input
              {...control}
              type="search"
              data-testid="booking-patient-search"
              value={query}
              autoComplete="off"
              onChange={(event) => {
                setQuery(event.target.value);
              }}
              onKeyDown={(event) => {
                // Enter searches here instead of submitting the booking.
                if (event.key !== 'Enter' || event.nativeEvent.isComposing) return;
                event.preventDefault();
                void search();
              }}
            />
            <button
              type="button"
              className="button button--secondary"
              data-testid="booking-patient-search-submit"
              disabled={searching}
              onClick={() => {
                void search();
              }}
            >
              {searching ? s.searching : s.search}
            </button>
          </div>
        )}
      </Field>
      {failure && <ErrorNotice error={failure} />}
      {results !== null && results.length === 0 && <p className="muted">{s.noPatients}</p>}
      {results !== null && results.length > 0 && (
        <Field label={s.choosePatient}>
          {(control) => (
            <select
              {...control}
              data-testid="booking-patient-select"
              value={chosen?.id ?? ''}
              onChange={(event) => {
                onChoose(results.find((p) => p.id === event.target.value) ?? null);
              }}
            >
              <option value="">—</option>
              {results.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.familyName} {p.givenName}（{p.familyNameKana} {p.givenNameKana}）{' '}
                  {formatBirthDate(p.birthDate)}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {chosen && (
        <p className="booking__chosen" data-testid="booking-patient-chosen">
          {s.chosenPatient(`${chosen.familyName} ${chosen.givenName}`)}
        </p>
      )}
    </div>
  );
}
