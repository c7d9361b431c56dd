import type { FieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { Field } from '../Field';
import {
  SOAP_KEYS,
  SOAP_MAX_LENGTH,
  newRow,
  rowPath,
  type DiagnosisRow,
  type EncounterDraft,
} from './encounterDraft';

interface EncounterFieldsProps {
  draft: EncounterDraft;
  onChange: (draft: EncounterDraft) => void;
  errors: FieldErrors;
  clearError: (path: string) => void;
}

/** S/O/A/P textareas and the diagnosis rows. */
export function EncounterFields({ draft, onChange, errors, clearError }: EncounterFieldsProps) {
  const f = t.encounterForm;

  function setRow(row: DiagnosisRow, field: 'code' | 'name', value: string) {
    const rows = draft.rows.map((r) => (r.key === row.key ? { ...r, [field]: value } : r));
    onChange({ ...draft, rows });
    clearError(rowPath(row, field));
  }

  function removeRow(row: DiagnosisRow) {
    const rows = draft.rows.filter((r) => r.key !== row.key);
    onChange({ ...draft, rows: rows.length > 0 ? rows : [newRow()] });
    clearError(rowPath(row, 'code'));
    clearError(rowPath(row, 'name'));
  }

  return (
    <>
      <div className="soap-fields">
        {SOAP_KEYS.map((key) => (
          <Field key={key} label={t.encounters.soap[key]} error={errors[`/note/${key}`]}>
            {(control) => (
              <textarea
                {...control}
                name={key}
                data-testid={`soap-${key}`}
                rows={4}
                maxLength={SOAP_MAX_LENGTH}
                value={draft.note[key]}
                onChange={(event) => {
                  onChange({ ...draft, note: { ...draft.note, [key]: event.target.value } });
                  clearError(`/note/${key}`);
                }}
              />
            )}
          </Field>
        ))}
      </div>

      <fieldset className="form__group">
        <legend>{f.diagnoses}</legend>
        {errors['/diagnoses'] && <p className="field__error">{errors['/diagnoses']}</p>}
        <ol className="diagnosis-rows">
          {draft.rows.map((row, index) => (
            <li key={row.key} className="diagnosis-row">
              <Field label={f.diagnosisCode} error={errors[rowPath(row, 'code')]}>
                {(control) => (
                  <input
                    {...control}
                    className="mono"
                    value={row.code}
                    placeholder={f.codePlaceholder}
                    autoComplete="off"
                    spellCheck={false}
                    onChange={(event) => {
                      setRow(row, 'code', event.target.value);
                    }}
                  />
                )}
              </Field>
              <Field label={f.diagnosisName} error={errors[rowPath(row, 'name')]}>
                {(control) => (
                  <input
                    {...control}
                    value={row.name}
                    placeholder={f.namePlaceholder}
                    autoComplete="off"
                    onChange={(event) => {
                      setRow(row, 'name', event.target.value);
                    }}
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button--ghost button--small diagnosis-row__remove"
                aria-label={`${f.removeDiagnosis} ${index + 1}`}
                onClick={() => {
                  removeRow(row);
                }}
              >
                {f.removeDiagnosis}
              </button>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => {
            onChange({ ...draft, rows: [...draft.rows, newRow()] });
          }}
        >
          ＋ {f.addDiagnosis}
        </button>
      </fieldset>
    </>
  );
}
