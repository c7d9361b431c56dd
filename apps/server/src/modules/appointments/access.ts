import type { Selectable } from 'kysely';
import type { Caller } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import type { AppointmentsTable } from '../../platform/db/tables.js';
import { consultationEncounterIds } from '../encounters/consultation.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { ruleFor } from '../../policy/policy.js';
import type { Appointment } from './schemas.js';

export type AppointmentRow = Selectable<AppointmentsTable>;

/**
 * Loads an appointment the caller may reach for `action`. A doctor always reaches their own
 * appointments (the booking put them in care, SPEC §4); everyone else goes through the policy.
 * Out of reach answers exactly as missing.
 */
export async function reachable(
  caller: Caller,
  id: string,
  action: 'appointment.read' | 'appointment.change',
): Promise<AppointmentRow> {
  // A role that may never act learns nothing, not even whether the appointment exists.
  await requireRole(caller.tenant.db, caller, action);
  const row = await caller.tenant.db
    .selectFrom('appointments')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw new AppError('not_found');
  const ownDay = caller.role === 'doctor' && row.doctor_id === caller.userId;
  if (!(ownDay && ruleFor(action, caller.role) !== undefined)) {
    await requirePatientAccess(caller.tenant.db, caller, action, row.patient_id);
  }
  return row;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_DURATION_MS = 4 * HOUR_MS;
/** A front desk may enter yesterday's walk-in; nobody books years ahead. */
const PAST_LIMIT_MS = DAY_MS;
const FUTURE_LIMIT_MS = 2 * 366 * DAY_MS;

/** The rules of a slot; the database also refuses end <= start and any overlap. */
export function checkSlot(
  start: string,
  end: string,
  now = Date.now(),
): { start: Date; end: Date } {
  const startsAt = new Date(start);
  const endsAt = new Date(end);
  if (Number.isNaN(startsAt.getTime())) throw invalid('/start', 'is not a valid instant');
  if (Number.isNaN(endsAt.getTime())) throw invalid('/end', 'is not a valid instant');
  if (endsAt <= startsAt) throw invalid('/end', 'must be after the start');
  if (endsAt.getTime() - startsAt.getTime() > MAX_DURATION_MS)
    throw invalid('/end', 'must be at most 4 hours after the start');
  if (startsAt.getTime() < now - PAST_LIMIT_MS)
    throw invalid('/start', 'must not be more than a day in the past');
  if (startsAt.getTime() > now + FUTURE_LIMIT_MS)
    throw invalid('/start', 'must be within two years from now');
  return { start: startsAt, end: endsAt };
}

/** PostgreSQL's exclusion_violation: the doctor already has an overlapping appointment. */
export function isDoubleBooking(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23P01'
  );
}

/** Runs a write that may overlap another booking; the violation becomes a 409, never a 500. */
export async function guardDoubleBooking<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDoubleBooking(error)) throw new AppError('doctor_double_booked');
    throw error;
  }
}

/**
 * The video encounter of each appointment, by appointment id. It is clinical: only roles that
 * read clinical records see it; for the others the map is empty.
 */
export async function encountersOf(
  caller: Caller,
  rows: AppointmentRow[],
): Promise<Map<string, string>> {
  if (ruleFor('clinical.read', caller.role) === undefined) return new Map();
  const video = rows.filter((row) => row.type === 'video').map((row) => row.id);
  return consultationEncounterIds(caller.tenant.db, video);
}

export function view(row: AppointmentRow, encounters = new Map<string, string>()): Appointment {
  return {
    id: row.id,
    doctorId: row.doctor_id,
    patientId: row.patient_id,
    start: row.starts_at.toISOString(),
    end: row.ends_at.toISOString(),
    type: row.type,
    status: row.status,
    note: row.note,
    cancelReason: row.cancel_reason,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    encounterId: encounters.get(row.id) ?? null,
  };
}
