import { useRef, useState, type SubmitEvent } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { amendEncounter } from '../../api/clinical';
import type { Encounter } from '../../api/types';
import {
  fieldErrorsFrom,
  focusFirstInvalid,
  strayFields,
  useFieldErrors,
} from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';
import { EncounterFields } from './EncounterFields';
import {
  draftFrom,
  isDraftPath,
  toPayload,
  validateDraft,
  type EncounterDraft,
} from './encounterDraft';

const OWN_PATHS = new Set(['/reason', '/diagnoses']);

function isShown(path: string): boolean {
  return isDraftPath(path) || OWN_PATHS.has(path);
}

interface AmendmentFormProps {
  /** The version being amended; its number is sent as baseVersion. */
  encounter: Encounter;
  onSaved: () => void;
  onCancel: () => void;
  /** 409: someone amended first. The draft is handed back so the user's text is not lost. */
  onConflict: (draft: EncounterDraft) => void;
}

export function AmendmentForm({ encounter, onSaved, onCancel, onConflict }: AmendmentFormProps) {
  const [draft, setDraft] = useState(() => draftFrom(encounter.note, encounter.diagnoses));
  const [reason, setReason] = useState('');
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [stray, setStray] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const a = t.amendment;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const local = validateDraft(draft);
    if (reason.trim() === '') local['/reason'] = a.reasonRequired;
    setErrors(local);
    if (Object.keys(local).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    const payload = toPayload(draft);
    setSaving(true);
    setFailure(null);
    try {
      await amendEncounter(encounter.id, {
        baseVersion: encounter.currentVersion,
        reason: reason.trim(),
        note: payload.note,
        diagnoses: payload.diagnoses,
      });
      onSaved();
    } catch (err) {
      const error = asApiError(err);
      if (error.status === 409) {
        onConflict(draft);
        return;
      }
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
      className="card form form--amend"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <h2 className="card__title">
        {a.title}（{t.encounters.version(encounter.currentVersion)} →{' '}
        {t.encounters.version(encounter.currentVersion + 1)}）
      </h2>
      <p className="muted">{a.lead}</p>
      {failure && <ErrorNotice error={failure} details={stray} />}
      <Field label={a.reason} error={errors['/reason']} required>
        {(control) => (
          <textarea
            {...control}
            rows={2}
            data-testid="amendment-reason"
            value={reason}
            placeholder={a.reasonPlaceholder}
            aria-required
            onChange={(event) => {
              setReason(event.target.value);
              clear('/reason');
            }}
          />
        )}
      </Field>
      <EncounterFields draft={draft} onChange={setDraft} errors={errors} clearError={clear} />
      <div className="form__actions">
        <button type="submit" className="button" data-testid="amendment-submit" disabled={saving}>
          {saving ? t.common.saving : a.submit}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}
