import { useRef, useState, type SubmitEvent } from 'react';
import { bookAppointment } from '../../api/appointments';
import { asApiError, type ApiError } from '../../api/client';
import type { Appointment, AppointmentType, DirectoryMember, Patient } from '../../api/types';
import {
  fieldErrorsFrom,
  focusFirstInvalid,
  strayFields,
  useFieldErrors,
  type FieldErrors,
} from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { schedule as s } from '../../i18n/consult';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';
import { PatientPicker } from './PatientPicker';
import { SlotFields } from './SlotFields';
import { slotFrom, type SlotDraft } from './slot';

const TYPES: readonly AppointmentType[] = ['in_person', 'video'];
const SHOWN = new Set(['/patientId', '/doctorId', '/date', '/start', '/end', '/type', '/note']);

interface BookingFormProps {
  doctors: DirectoryMember[];
  /** The day on screen, and the doctor filtered on, as the form's first guesses. */
  date: string;
  doctorId: string;
  onBooked: (appointment: Appointment) => void;
  onCancel: () => void;
}

function localProblems(patient: Patient | null, doctorId: string): FieldErrors {
  const errors: FieldErrors = {};
  if (patient === null) errors['/patientId'] = s.errors.patientRequired;
  if (doctorId === '') errors['/doctorId'] = s.errors.doctorRequired;
  return errors;
}

/** 予約の登録 at the front desk: patient, doctor, a Tokyo date and times, type and a note. */
export function BookingForm({ doctors, date, doctorId, onBooked, onCancel }: BookingFormProps) {
  const [patient, setPatient] = useState<Patient | null>(null);
  const [doctor, setDoctor] = useState(doctorId);
  const [slot, setSlot] = useState<SlotDraft>({ date, startTime: '', endTime: '' });
  const [type, setType] = useState<AppointmentType>('in_person');
  const [note, setNote] = useState('');
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [stray, setStray] = useState<string[]>([]);
  const [doubleBooked, setDoubleBooked] = useState(false);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setFailure(null);
    setDoubleBooked(false);
    const times = slotFrom(slot);
    const local = { ...localProblems(patient, doctor), ...(times.ok ? {} : times.errors) };
    setErrors(local);
    if (!times.ok || patient === null || Object.keys(local).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setSaving(true);
    try {
      const booked = await bookAppointment({
        doctorId: doctor,
        patientId: patient.id,
        start: times.start,
        end: times.end,
        type,
        note: note.trim() === '' ? null : note.trim(),
      });
      onBooked(booked);
    } catch (err) {
      const error = asApiError(err);
      if (error.code === 'doctor_double_booked') {
        setDoubleBooked(true);
        return;
      }
      setErrors(fieldErrorsFrom(error));
      setStray(strayFields(error, (path) => SHOWN.has(path)));
      setFailure(error);
      focusFirstInvalid(formRef.current);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="card form booking"
      data-testid="booking-form"
      noValidate
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <h2 className="card__title">{s.bookTitle}</h2>
      {doubleBooked && (
        <div data-testid="booking-double-booked">
          <Notice kind="error">{s.errors.doubleBooked}</Notice>
        </div>
      )}
      {failure && <ErrorNotice error={failure} details={stray} />}
      <div className="form__grid">
        <PatientPicker
          chosen={patient}
          error={errors['/patientId']}
          onChoose={(chosen) => {
            setPatient(chosen);
            clear('/patientId');
          }}
        />
        <Field label={s.doctor} error={errors['/doctorId']} required>
          {(control) => (
            <select
              {...control}
              data-testid="booking-doctor"
              value={doctor}
              onChange={(event) => {
                setDoctor(event.target.value);
                clear('/doctorId');
                setDoubleBooked(false);
              }}
            >
              <option value="">{t.common.choose}</option>
              {doctors.map((member) => (
                <option key={member.id} value={member.id}>
                  {member.displayName}
                </option>
              ))}
            </select>
          )}
        </Field>
        <SlotFields
          draft={slot}
          errors={errors}
          testId="booking"
          clear={(path) => {
            clear(path);
            setDoubleBooked(false);
          }}
          onChange={setSlot}
        />
        <fieldset className="radio-group form__wide">
          <legend>{s.type}</legend>
          {TYPES.map((value) => (
            <label key={value} className="radio">
              <input
                type="radio"
                name="appointment-type"
                value={value}
                data-testid={`booking-type-${value}`}
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
        <Field label={s.note} error={errors['/note']} className="form__wide">
          {(control) => (
            <textarea
              {...control}
              rows={2}
              maxLength={1000}
              data-testid="booking-note"
              value={note}
              placeholder={s.notePlaceholder}
              onChange={(event) => {
                setNote(event.target.value);
                clear('/note');
              }}
            />
          )}
        </Field>
      </div>
      <div className="form__actions">
        <button type="submit" className="button" data-testid="booking-submit" disabled={saving}>
          {saving ? s.booking : s.book}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}
