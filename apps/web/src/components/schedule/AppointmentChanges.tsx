import { useRef, useState, type SubmitEvent } from 'react';
import { cancelAppointment, rescheduleAppointment } from '../../api/appointments';
import { asApiError, type ApiError } from '../../api/client';
import type { Appointment } from '../../api/types';
import { fieldErrorsFrom, focusFirstInvalid, useFieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { schedule as s } from '../../i18n/consult';
import { tokyoDateOf, tokyoTimeOf } from '../../lib/tokyo';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';
import { SlotFields } from './SlotFields';
import { slotFrom, type SlotDraft } from './slot';

interface ChangeProps {
  appointment: Appointment;
  onChanged: (appointment: Appointment, message: string) => void;
  /** 409 appointment_cancelled: someone else cancelled it first; the list is read again. */
  onStale: () => void;
  onClose: () => void;
}

/** A refusal the form explains in words of its own, or null for the generic notice. */
function conflictMessage(error: ApiError): string | null {
  if (error.code === 'doctor_double_booked') return s.errors.doubleBooked;
  if (error.code === 'appointment_cancelled') return s.errors.alreadyCancelled;
  return null;
}

export function RescheduleForm({ appointment, onChanged, onStale, onClose }: ChangeProps) {
  const [slot, setSlot] = useState<SlotDraft>({
    date: tokyoDateOf(appointment.start),
    startTime: tokyoTimeOf(appointment.start),
    endTime: tokyoTimeOf(appointment.end),
  });
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setFailure(null);
    setConflict(null);
    const times = slotFrom(slot);
    if (!times.ok) {
      setErrors(times.errors);
      focusFirstInvalid(formRef.current);
      return;
    }
    setSaving(true);
    try {
      onChanged(await rescheduleAppointment(appointment.id, times.start, times.end), s.rescheduled);
    } catch (err) {
      const error = asApiError(err);
      setConflict(conflictMessage(error));
      if (error.code === 'appointment_cancelled') onStale();
      else if (conflictMessage(error) === null) {
        setErrors(fieldErrorsFrom(error));
        setFailure(error);
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="form appointment__change"
      data-testid="reschedule-form"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      {conflict && <Notice kind="error">{conflict}</Notice>}
      {failure && <ErrorNotice error={failure} />}
      <div className="form__grid">
        <SlotFields
          draft={slot}
          onChange={setSlot}
          errors={errors}
          clear={clear}
          testId="reschedule"
        />
      </div>
      <div className="form__actions">
        <button type="submit" className="button" data-testid="reschedule-submit" disabled={saving}>
          {saving ? s.rescheduling : s.rescheduleSave}
        </button>
        <button type="button" className="button button--secondary" onClick={onClose}>
          {s.close}
        </button>
      </div>
    </form>
  );
}

export function CancelForm({ appointment, onChanged, onStale, onClose }: ChangeProps) {
  const [reason, setReason] = useState('');
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setFailure(null);
    const trimmed = reason.trim();
    if (trimmed.length < 2 || trimmed.length > 500) {
      setErrors({ '/cancelReason': s.errors.reasonLength });
      focusFirstInvalid(formRef.current);
      return;
    }
    setSaving(true);
    try {
      onChanged(await cancelAppointment(appointment.id, trimmed), s.cancelled);
    } catch (err) {
      const error = asApiError(err);
      setConflict(conflictMessage(error));
      if (error.code === 'appointment_cancelled') onStale();
      else if (conflictMessage(error) === null) {
        setErrors(fieldErrorsFrom(error));
        setFailure(error);
      }
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="form appointment__change"
      data-testid="cancel-form"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      {conflict && <Notice kind="error">{conflict}</Notice>}
      {failure && <ErrorNotice error={failure} />}
      <Field
        label={s.cancelReason}
        hint={s.cancelReasonHint}
        error={errors['/cancelReason']}
        required
      >
        {(control) => (
          <textarea
            {...control}
            rows={2}
            maxLength={500}
            data-testid="cancel-reason"
            value={reason}
            onChange={(event) => {
              setReason(event.target.value);
              clear('/cancelReason');
            }}
          />
        )}
      </Field>
      <div className="form__actions">
        <button
          type="submit"
          className="button button--danger"
          data-testid="cancel-submit"
          disabled={saving}
        >
          {saving ? s.cancelling : s.cancelConfirm}
        </button>
        <button type="button" className="button button--secondary" onClick={onClose}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}
