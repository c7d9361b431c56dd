import { useRef, useState, type SubmitEvent, type HTMLInputTypeAttribute } from 'react';
import { ApiError, asApiError } from '../../api/client';
import { createPatient, updatePatient } from '../../api/patients';
import type { Patient, Sex } from '../../api/types';
import {
  fieldErrorsFrom,
  focusFirstInvalid,
  strayFields,
  useFieldErrors,
  type FieldErrors,
} from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { todayCalendarDate } from '../../lib/format';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';
import { pathOf, toDraft, toInput, validateDraft, type PatientDraft } from './patientDraft';

const SEXES: Sex[] = ['male', 'female', 'other', 'unknown'];

/** Every path the form shows an error beside; anything else goes into the error notice. */
const SHOWN_PATHS = new Set([
  '/insurance',
  ...Object.keys(toDraft(null)).map((key) => pathOf(key as keyof PatientDraft)),
]);

type TextKey = Exclude<keyof PatientDraft, 'sex'>;

interface TextFieldProps {
  name: TextKey;
  label: string;
  draft: PatientDraft;
  errors: FieldErrors;
  onChange: (name: TextKey, value: string) => void;
  required?: boolean;
  hint?: string;
  type?: HTMLInputTypeAttribute;
  autoComplete?: string;
  inputMode?: 'text' | 'numeric' | 'tel' | 'email';
  className?: string;
}

function TextField({ name, label, draft, errors, onChange, ...rest }: TextFieldProps) {
  const {
    required = false,
    hint,
    type = 'text',
    autoComplete = 'off',
    inputMode,
    className,
  } = rest;
  return (
    <Field
      label={label}
      error={errors[pathOf(name)]}
      hint={hint}
      required={required}
      className={className}
    >
      {(control) => (
        <input
          {...control}
          type={type}
          name={name}
          value={draft[name]}
          autoComplete={autoComplete}
          inputMode={inputMode}
          max={type === 'date' ? todayCalendarDate() : undefined}
          aria-required={required || undefined}
          onChange={(event) => {
            onChange(name, event.target.value);
          }}
        />
      )}
    </Field>
  );
}

interface PatientFormProps {
  /** null registers a new patient. */
  patient: Patient | null;
  onSaved: (patient: Patient) => void;
  onCancel: () => void;
  /** 409: someone saved first. The parent reloads and shows the notice. */
  onConflict?: () => void;
}

export function PatientForm({ patient, onSaved, onCancel, onConflict }: PatientFormProps) {
  const [draft, setDraft] = useState(() => toDraft(patient));
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [stray, setStray] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const f = t.patient;

  function change(name: keyof PatientDraft, value: string) {
    setDraft((d) => ({ ...d, [name]: value }));
    clear(pathOf(name));
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const local = validateDraft(draft);
    setErrors(local);
    if (Object.keys(local).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setSaving(true);
    setFailure(null);
    try {
      const input = toInput(draft);
      const saved = patient
        ? await updatePatient(patient.id, patient.version, input)
        : await createPatient(input);
      onSaved(saved);
    } catch (err) {
      const error = asApiError(err);
      if (error.status === 409 && onConflict) {
        onConflict();
        return;
      }
      setErrors(fieldErrorsFrom(error));
      setStray(strayFields(error, (path) => SHOWN_PATHS.has(path)));
      setFailure(error);
      focusFirstInvalid(formRef.current);
    } finally {
      setSaving(false);
    }
  }

  const common = { draft, errors, onChange: change };

  return (
    <form
      ref={formRef}
      className="card form"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <h2 className="card__title">
        {patient ? t.patientForm.editTitle : t.patientForm.createTitle}
      </h2>
      {failure && <ErrorNotice error={failure} details={stray} />}

      <fieldset className="form__group">
        <legend>{f.name}</legend>
        <div className="form__grid">
          <TextField {...common} name="familyName" label={f.familyName} required />
          <TextField {...common} name="givenName" label={f.givenName} required />
          <TextField
            {...common}
            name="familyNameKana"
            label={f.familyNameKana}
            hint={t.patientForm.kanaHint}
            required
          />
          <TextField {...common} name="givenNameKana" label={f.givenNameKana} required />
          <TextField {...common} name="birthDate" label={f.birthDate} type="date" required />
          <Field label={f.sex} error={errors[pathOf('sex')]} required>
            {(control) => (
              <select
                {...control}
                name="sex"
                value={draft.sex}
                onChange={(event) => {
                  change('sex', event.target.value);
                }}
              >
                {SEXES.map((sex) => (
                  <option key={sex} value={sex}>
                    {t.sex[sex]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </fieldset>

      <fieldset className="form__group">
        <legend>{t.patientForm.contact}</legend>
        <div className="form__grid">
          <TextField {...common} name="phone" label={f.phone} type="tel" inputMode="tel" />
          <TextField {...common} name="email" label={f.email} type="email" inputMode="email" />
          <TextField {...common} name="postalCode" label={f.postalCode} inputMode="numeric" />
          <TextField {...common} name="address" label={f.address} className="form__wide" />
        </div>
      </fieldset>

      <fieldset className="form__group">
        <legend>{f.insurance}</legend>
        <p className="field__hint">{t.patientForm.insuranceHint}</p>
        {errors['/insurance'] && <p className="field__error">{errors['/insurance']}</p>}
        <div className="form__grid form__grid--4">
          <TextField
            {...common}
            name="insurerNumber"
            label={f.insurerNumber}
            hint={t.patientForm.insurerHint}
            inputMode="numeric"
          />
          <TextField {...common} name="symbol" label={f.symbol} />
          <TextField {...common} name="number" label={f.number} />
          <TextField {...common} name="branch" label={f.branch} inputMode="numeric" />
        </div>
      </fieldset>

      <div className="form__actions">
        <button type="submit" className="button" disabled={saving}>
          {saving ? t.common.saving : patient ? t.common.save : t.patientForm.create}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}
