import { useRef, useState, type SubmitEvent } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { createEncounter } from '../../api/clinical';
import type { Encounter, EncounterType } from '../../api/types';
import {
  fieldErrorsFrom,
  focusFirstInvalid,
  strayFields,
  useFieldErrors,
} from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { toDateTimeLocal } from '../../lib/format';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';
import { EncounterFields } from './EncounterFields';
import { emptyDraft, isDraftPath, toPayload, validateDraft } from './encounterDraft';

const TYPES: EncounterType[] = ['in_person', 'video'];

const OWN_PATHS = new Set(['/startedAt', '/type', '/diagnoses']);

function isShown(path: string): boolean {
  return isDraftPath(path) || OWN_PATHS.has(path);
}

interface NewEncounterFormProps {
  patientId: string;
  onCreated: (encounter: Encounter) => void;
  onCancel: () => void;
}

export function NewEncounterForm({ patientId, onCreated, onCancel }: NewEncounterFormProps) {
  const [type, setType] = useState<EncounterType>('in_person');
  const [startedAt, setStartedAt] = useState(() => toDateTimeLocal(new Date()));
  const [draft, setDraft] = useState(emptyDraft);
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [stray, setStray] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const f = t.encounterForm;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    // datetime-local is wall-clock time in the browser's zone; Date reads it the same way.
    const started = new Date(startedAt);
    const local = validateDraft(draft);
    if (Number.isNaN(started.getTime())) local['/startedAt'] = f.errors.startedAt;
    setErrors(local);
    if (Object.keys(local).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    const payload = toPayload(draft);
    setSaving(true);
    setFailure(null);
    try {
      const created = await createEncounter(patientId, {
        type,
        startedAt: started.toISOString(),
        note: payload.note,
        diagnoses: payload.diagnoses,
      });
      onCreated(created);
    } catch (err) {
      const error = asApiError(err);
      setErrors(fieldErrorsFrom(error, payload.remap));
      setStray(strayFields(error, isShown, payload.remap));
      setFailure(error);
      focusFirstInvalid(formRef.current);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="card form"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <h2 className="card__title">{f.createTitle}</h2>
      {failure && <ErrorNotice error={failure} details={stray} />}
      <div className="form__grid">
        <fieldset className="radio-group">
          <legend>{f.type}</legend>
          {TYPES.map((value) => (
            <label key={value} className="radio">
              <input
                type="radio"
                name="type"
                value={value}
                checked={type === value}
                onChange={() => {
                  setType(value);
                }}
              />
              {t.encounterType[value]}
            </label>
          ))}
          {errors['/type'] && <p className="field__error">{errors['/type']}</p>}
        </fieldset>
        <Field label={f.startedAt} error={errors['/startedAt']} required>
          {(control) => (
            <input
              {...control}
              type="datetime-local"
              value={startedAt}
              onChange={(event) => {
                setStartedAt(event.target.value);
                clear('/startedAt');
              }}
            />
          )}
        </Field>
      </div>
      <EncounterFields draft={draft} onChange={setDraft} errors={errors} clearError={clear} />
      <div className="form__actions">
        <button type="submit" className="button" disabled={saving}>
          {saving ? t.common.saving : f.create}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}
