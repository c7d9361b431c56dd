import { useRef, useState, type SubmitEvent } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import {
  issuePrescription,
  type Prescription,
  type PrescriptionInput,
} from '../../api/prescriptions';
import { fieldErrorsFrom, focusFirstInvalid } from '../../hooks/useFieldErrors';
import { rx } from '../../i18n/prescriptions';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';
import { MedicationFields } from './MedicationFields';
import {
  MAX_MEDICATIONS,
  checkDraft,
  emptyMedication,
  emptyPrescription,
  toInput,
  type DraftErrors,
} from './medicationDraft';
import { StepUpPrompt } from './StepUpPrompt';

interface PrescriptionFormProps {
  patientId: string;
  onIssued: (prescription: Prescription) => void;
  onCancel: () => void;
}

/** 処方箋の作成: the medication list, 備考 and 使用期間; a step-up code when the server asks. */
export function PrescriptionForm({ patientId, onIssued, onCancel }: PrescriptionFormProps) {
  const [draft, setDraft] = useState(emptyPrescription);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  /** The body waiting for a fresh MFA code; sent again, unchanged, once it is confirmed. */
  const [pending, setPending] = useState<PrescriptionInput | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  async function send(input: PrescriptionInput) {
    setBusy(true);
    setError(null);
    try {
      onIssued(await issuePrescription(input));
    } catch (err) {
      const failure = asApiError(err);
      if (failure.code === 'step_up_required') {
        setPending(input);
      } else {
        setErrors(fieldErrorsFrom(failure));
        setError(failure);
      }
    } finally {
      setBusy(false);
    }
  }

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const found = checkDraft(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    void send(toInput(patientId, draft));
  }

  if (pending !== null) {
    return (
      <StepUpPrompt
        onConfirmed={() => {
          setPending(null);
          void send(pending);
        }}
        onCancel={() => {
          setPending(null);
        }}
      />
    );
  }

  const meds = draft.medications;
  return (
    <form
      ref={formRef}
      className="card form"
      noValidate
      onSubmit={submit}
      data-testid="rx-form"
      aria-label={rx.newPrescription}
    >
      <h3 className="card__title">{rx.newPrescription}</h3>
      {error && <ErrorNotice error={error} />}
      <fieldset className="form__group">
        <legend>{rx.medications}</legend>
        <ol className="rx-lines">
          {meds.map((m, index) => (
            <MedicationFields
              key={m.key}
              index={index}
              medication={m}
              errors={errors}
              removable={meds.length > 1}
              onChange={(next) => {
                setDraft({ ...draft, medications: meds.map((o) => (o.key === m.key ? next : o)) });
              }}
              onRemove={() => {
                setDraft({ ...draft, medications: meds.filter((o) => o.key !== m.key) });
                // Errors are keyed by position: after a removal they would point at the wrong row.
                setErrors({});
              }}
            />
          ))}
        </ol>
        {meds.length < MAX_MEDICATIONS && (
          <button
            type="button"
            className="button button--secondary button--small rx-add"
            data-testid="rx-add-medication"
            onClick={() => {
              setDraft({ ...draft, medications: [...meds, emptyMedication()] });
            }}
          >
            ＋ {rx.addMedication}
          </button>
        )}
      </fieldset>
      <div className="form__grid">
        <Field label={rx.validDays} hint={rx.validDaysHint} error={errors['/validDays']} required>
          {(control) => (
            <input
              {...control}
              inputMode="numeric"
              value={draft.validDays}
              data-testid="rx-valid-days"
              onChange={(event) => {
                setDraft({ ...draft, validDays: event.target.value });
              }}
            />
          )}
        </Field>
        <Field label={rx.notes} error={errors['/notes']} className="form__wide">
          {(control) => (
            <textarea
              {...control}
              rows={2}
              maxLength={500}
              value={draft.notes}
              data-testid="rx-notes"
              onChange={(event) => {
                setDraft({ ...draft, notes: event.target.value });
              }}
            />
          )}
        </Field>
      </div>
      <div className="form__actions">
        <button type="submit" className="button" disabled={busy} data-testid="rx-submit">
          {busy ? rx.submitting : rx.submit}
        </button>
        <button type="button" className="button button--ghost" onClick={onCancel}>
          {rx.cancel}
        </button>
      </div>
    </form>
  );
}
