import type { Kysely } from 'kysely';
import type { TenantDatabase } from '../../platform/db/tables.js';

/** SPEC §9: the room opens 15 minutes before the start and closes 60 minutes after the end. */
export const JOIN_EARLY_MS = 15 * 60_000;
export const JOIN_LATE_MS = 60 * 60_000;

/** What the video side needs to know of an appointment. */
export interface ConsultationAppointment {
  id: string;
  patientId: string;
  doctorId: string;
  type: 'in_person' | 'video';
  status: 'booked' | 'cancelled';
  opensAt: Date;
  closesAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
}

/** Why an appointment refuses to be joined now, as an error code; null when it may be. */
export type JoinRefusal =
  | 'appointment_cancelled'
  | 'not_a_video_appointment'
  | 'outside_join_window'
  | 'consultation_ended';

export async function consultationAppointment(
  db: Kysely<TenantDatabase>,
  id: string,
): Promise<ConsultationAppointment | null> {
  const row = await db
    .selectFrom('appointments')
    .select([
      'id',
      'patient_id',
      'doctor_id',
      'type',
      'status',
      'starts_at',
      'ends_at',
      'consultation_started_at',
      'consultation_ended_at',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return null;
  return {
    id: row.id,
    patientId: row.patient_id,
    doctorId: row.doctor_id,
    type: row.type,
    status: row.status,
    opensAt: new Date(row.starts_at.getTime() - JOIN_EARLY_MS),
    closesAt: new Date(row.ends_at.getTime() + JOIN_LATE_MS),
    startedAt: row.consultation_started_at,
    endedAt: row.consultation_ended_at,
  };
}

/** The rules both the video token and the signaling endpoint apply, in this order. */
export function joinRefusal(
  appointment: ConsultationAppointment,
  now = Date.now(),
): JoinRefusal | null {
  if (appointment.status === 'cancelled') return 'appointment_cancelled';
  if (appointment.type !== 'video') return 'not_a_video_appointment';
  if (appointment.endedAt !== null) return 'consultation_ended';
  if (now < appointment.opensAt.getTime() || now > appointment.closesAt.getTime())
    return 'outside_join_window';
  return null;
}

/** Marks the doctor's first join; true for the one call that marked it (audited once). */
export async function markConsultationStarted(
  trx: Kysely<TenantDatabase>,
  id: string,
  at: Date,
): Promise<boolean> {
  const row = await trx
    .updateTable('appointments')
    .set({ consultation_started_at: at })
    .where('id', '=', id)
    .where('consultation_started_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Ends the consultation for good; true for the one call that ended it (audited once). */
export async function markConsultationEnded(
  trx: Kysely<TenantDatabase>,
  id: string,
  at: Date,
): Promise<boolean> {
  const row = await trx
    .updateTable('appointments')
    .set({ consultation_ended_at: at })
    .where('id', '=', id)
    .where('consultation_ended_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
