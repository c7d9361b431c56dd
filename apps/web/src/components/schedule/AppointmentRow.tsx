import { useState } from 'react';
import type { Appointment } from '../../api/types';
import { t } from '../../i18n';
import { schedule as s } from '../../i18n/consult';
import { canJoin } from '../../lib/joinWindow';
import { tokyoTimeOf } from '../../lib/tokyo';
import { consultPath, encounterPath, Link, patientPath } from '../../router';
import { CancelForm, RescheduleForm } from './AppointmentChanges';

interface AppointmentRowProps {
  appointment: Appointment;
  patientName: string | undefined;
  doctorName: string;
  /** The front desk reschedules and cancels. */
  canChange: boolean;
  /** The signed-in doctor, who alone joins their own video consultations. */
  doctorId: string | null;
  now: number;
  onChanged: (appointment: Appointment, message: string) => void;
  onStale: () => void;
}

export function AppointmentRow(props: AppointmentRowProps) {
  const { appointment: a, patientName, doctorName, canChange, doctorId, now } = props;
  const [editing, setEditing] = useState<'reschedule' | 'cancel' | null>(null);
  const cancelled = a.status === 'cancelled';
  const joinable = doctorId !== null && a.doctorId === doctorId && canJoin(a, now);
  const close = () => {
    setEditing(null);
  };

  return (
    <li
      className={`appointment${cancelled ? ' appointment--cancelled' : ''}`}
      data-testid="appointment-row"
      data-status={a.status}
      data-type={a.type}
      data-id={a.id}
    >
      <div className="appointment__main">
        <span className="appointment__time">
          {tokyoTimeOf(a.start)}–{tokyoTimeOf(a.end)}
        </span>
        <span className="appointment__who">
          <Link to={patientPath(a.patientId)} className="appointment__patient">
            {patientName === undefined ? t.common.loading : patientName || s.unknownPatient}
          </Link>
          <span className="muted">{doctorName}</span>
        </span>
        <span className="appointment__badges">
          <span className={`badge badge--${a.type}`}>{t.encounterType[a.type]}</span>
          {cancelled && <span className="badge badge--danger">{s.status.cancelled}</span>}
        </span>
        <span className="appointment__actions">
          {a.encounterId && (
            <Link
              to={encounterPath(a.encounterId)}
              className="button button--ghost button--small"
              data-testid="appointment-encounter"
            >
              {s.encounter}
            </Link>
          )}
          {joinable && (
            <Link
              to={consultPath(a.id)}
              className="button button--small"
              data-testid="appointment-join"
            >
              {s.join}
            </Link>
          )}
          {canChange && !cancelled && editing === null && (
            <>
              <button
                type="button"
                className="button button--secondary button--small"
                data-testid="appointment-reschedule"
                onClick={() => {
                  setEditing('reschedule');
                }}
              >
                {s.reschedule}
              </button>
              <button
                type="button"
                className="button button--ghost button--small"
                data-testid="appointment-cancel"
                onClick={() => {
                  setEditing('cancel');
                }}
              >
                {s.cancel}
              </button>
            </>
          )}
        </span>
      </div>
      {a.note && <p className="appointment__note">{a.note}</p>}
      {cancelled && a.cancelReason && (
        <p className="appointment__note">{s.cancelledReason(a.cancelReason)}</p>
      )}
      {editing === 'reschedule' && (
        <RescheduleForm
          appointment={a}
          onChanged={props.onChanged}
          onStale={props.onStale}
          onClose={close}
        />
      )}
      {editing === 'cancel' && (
        <CancelForm
          appointment={a}
          onChanged={props.onChanged}
          onStale={props.onStale}
          onClose={close}
        />
      )}
    </li>
  );
}
