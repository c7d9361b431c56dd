import { useState } from 'react';
import { listAppointments } from '../api/appointments';
import { listDirectory } from '../api/staff';
import type { Appointment, DirectoryMember } from '../api/types';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { AppointmentRow } from '../components/schedule/AppointmentRow';
import { BookingForm } from '../components/schedule/BookingForm';
import '../components/schedule/schedule.css';
import { useNow } from '../hooks/useNow';
import { usePatientNames } from '../hooks/usePatientNames';
import { useResource } from '../hooks/useResource';
import { schedule as s } from '../i18n/consult';
import { canBook } from '../lib/roles';
import {
  addDays,
  formatTokyoDay,
  tokyoDateOf,
  tokyoDayEnd,
  tokyoDayStart,
  tokyoToday,
} from '../lib/tokyo';
import { navigate, schedulePath, useLocation } from '../router';
import { useSession } from '../session';

/** The join button follows the clock: it appears 15 minutes before the start without a reload. */
const CLOCK_MS = 15_000;

function DayPicker({ date, onDate }: { date: string; onDate: (date: string) => void }) {
  const step = (days: number) => {
    onDate(addDays(date, days) ?? date);
  };
  return (
    <div className="day-picker" role="group" aria-label={s.date}>
      <button
        type="button"
        className="button button--secondary button--small"
        data-testid="schedule-prev"
        onClick={() => {
          step(-1);
        }}
      >
        ‹ {s.previousDay}
      </button>
      <input
        type="date"
        aria-label={s.date}
        data-testid="schedule-date"
        value={date}
        onChange={(event) => {
          if (tokyoDayStart(event.target.value) !== null) onDate(event.target.value);
        }}
      />
      <button
        type="button"
        className="button button--secondary button--small"
        data-testid="schedule-next"
        onClick={() => {
          step(1);
        }}
      >
        {s.nextDay} ›
      </button>
      <button
        type="button"
        className="button button--ghost button--small"
        data-testid="schedule-today"
        onClick={() => {
          onDate(tokyoToday());
        }}
      >
        {s.today}
      </button>
    </div>
  );
}

function DoctorFilter(props: {
  doctors: DirectoryMember[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <label className="doctor-filter">
      <span className="field__label">{s.doctorFilter}</span>
      <select
        data-testid="schedule-doctor-filter"
        value={props.value}
        onChange={(event) => {
          props.onChange(event.target.value);
        }}
      >
        <option value="">{s.allDoctors}</option>
        {props.doctors.map((d) => (
          <option key={d.id} value={d.id}>
            {d.displayName}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * 予約: one Tokyo day. A doctor sees their own day and joins their video consultations in the
 * window; the front desk sees the clinic's day, filters by doctor, books, reschedules, cancels.
 */
export function SchedulePage() {
  const { me } = useSession();
  const location = useLocation();
  const requested = location.search.get('date') ?? '';
  const date = tokyoDayStart(requested) === null ? tokyoToday() : requested;
  const doctorFilter = location.search.get('doctor') ?? '';
  const isDoctor = me.role === 'doctor';
  const frontDesk = canBook(me.role);
  const now = useNow(CLOCK_MS);
  const [booking, setBooking] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const doctorId = isDoctor ? 'me' : doctorFilter || undefined;
  const day = useResource(`appointments:${date}:${doctorId ?? ''}`, (signal) =>
    listAppointments(
      { from: tokyoDayStart(date) ?? '', to: tokyoDayEnd(date) ?? '', doctorId },
      signal,
    ),
  );
  const directory = useResource(`directory:${frontDesk ? 'yes' : 'no'}`, (signal) =>
    frontDesk ? listDirectory(signal) : Promise.resolve([]),
  );
  const doctors = (directory.data ?? []).filter((member) => member.role === 'doctor');
  const names = usePatientNames((day.data ?? []).map((a) => a.patientId));

  const go = (next: { date?: string; doctor?: string }) => {
    setNotice(null);
    navigate(schedulePath(next.date ?? date, next.doctor ?? doctorFilter), { replace: true });
  };
  const doctorName = (id: string) =>
    isDoctor && id === me.id
      ? me.displayName
      : (doctors.find((d) => d.id === id)?.displayName ?? s.unknownDoctor);
  const onChanged = (changed: Appointment, message: string) => {
    setNotice(message);
    day.update((items) => items.map((a) => (a.id === changed.id ? changed : a)));
    day.reload();
  };

  return (
    <main className="page" data-testid="schedule-page">
      <div className="page__head">
        <h1>
          {s.title}
          <span className="page__subtitle">{isDoctor ? s.myDay : s.clinicDay}</span>
        </h1>
        {frontDesk && !booking && (
          <button
            type="button"
            className="button"
            data-testid="booking-open"
            onClick={() => {
              setBooking(true);
              setNotice(null);
            }}
          >
            ＋ {s.book}
          </button>
        )}
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      {booking && (
        <BookingForm
          doctors={doctors}
          date={date}
          doctorId={doctorFilter}
          onCancel={() => {
            setBooking(false);
          }}
          onBooked={(booked) => {
            setBooking(false);
            go({ date: tokyoDateOf(booked.start) });
            setNotice(s.booked);
            day.reload();
          }}
        />
      )}
      <div className="schedule__controls">
        <DayPicker
          date={date}
          onDate={(next) => {
            go({ date: next });
          }}
        />
        {frontDesk && (
          <DoctorFilter
            doctors={doctors}
            value={doctorFilter}
            onChange={(doctor) => {
              go({ doctor });
            }}
          />
        )}
      </div>
      {directory.error && <ErrorNotice error={directory.error} onRetry={directory.reload} />}
      <section className="card card--flush" aria-live="polite">
        <h2 className="card__title card__title--padded" data-testid="schedule-day">
          {formatTokyoDay(date)}
        </h2>
        {isDoctor && <p className="muted card__title--padded">{s.joinHint}</p>}
        {day.loading && !day.data && <Loading />}
        {day.error && <ErrorNotice error={day.error} onRetry={day.reload} />}
        {day.data?.length === 0 && <p className="empty">{s.empty}</p>}
        {day.data && day.data.length > 0 && (
          <ul className="appointments">
            {day.data.map((a) => (
              <AppointmentRow
                key={a.id}
                appointment={a}
                patientName={names.get(a.patientId)}
                doctorName={doctorName(a.doctorId)}
                canChange={frontDesk}
                doctorId={isDoctor ? me.id : null}
                now={now}
                onChanged={onChanged}
                onStale={day.reload}
              />
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
