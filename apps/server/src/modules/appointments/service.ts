import crypto from 'node:crypto';
import type { Selectable, SelectQueryBuilder } from 'kysely';
import type { Caller } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { inCareOf, requirePatientAccess, requireRole } from '../../policy/access.js';
import { ruleFor } from '../../policy/policy.js';
import type { AppointmentsTable, TenantDatabase } from '../../platform/db/tables.js';
import { recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';
import { checkSlot, encountersOf, guardDoubleBooking, reachable, view } from './access.js';
import type {
  Appointment,
  AppointmentChange,
  AppointmentInput,
  AppointmentListQuery,
} from './schemas.js';

/**
 * Books an appointment and, in the same transaction, puts the doctor in the patient's care
 * (SPEC §4). A patient books only for themselves: their patient id comes from the token, and a
 * body naming anyone else answers as a patient that does not exist.
 */
export async function bookAppointment(
  caller: Caller,
  accounts: AccountService,
  input: AppointmentInput,
): Promise<Appointment> {
  await requireRole(caller.tenant.db, caller, 'appointment.book');
  const patientId = input.patientId ?? (caller.role === 'patient' ? caller.patientId : null);
  if (patientId === null) throw invalid('/patientId', 'is required');
  await requirePatientAccess(caller.tenant.db, caller, 'appointment.book', patientId);

  const slot = checkSlot(input.start, input.end);
  const doctor = await accounts.findById(caller.tenantId, input.doctorId);
  if (doctor === null || doctor.role !== 'doctor' || doctor.status !== 'active')
    throw invalid('/doctorId', 'is not an active doctor of this clinic');

  const row = await guardDoubleBooking(() =>
    caller.tenant.transaction(async (trx) => {
      const booked = await trx
        .insertInto('appointments')
        .values({
          id: crypto.randomUUID(),
          patient_id: patientId,
          doctor_id: input.doctorId,
          starts_at: slot.start,
          ends_at: slot.end,
          type: input.type,
          note: input.note ?? null,
          booked_by: caller.userId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const care = await trx
        .insertInto('care_team')
        .values({
          id: crypto.randomUUID(),
          patient_id: patientId,
          staff_id: input.doctorId,
          assigned_by: caller.userId,
          ended_at: null,
        })
        .onConflict((oc) =>
          oc.columns(['staff_id', 'patient_id']).where('ended_at', 'is', null).doNothing(),
        )
        .returning('id')
        .executeTakeFirst();
      await recordAudit(trx, {
        actorId: caller.userId,
        actorRole: caller.role,
        action: 'appointment.book',
        patientId,
        resourceType: 'Appointment',
        resourceId: booked.id,
        requestId: caller.requestId,
        details: { doctorId: input.doctorId, type: input.type },
      });
      if (care !== undefined) {
        await recordAudit(trx, {
          actorId: caller.userId,
          actorRole: caller.role,
          action: 'care_team.assign',
          patientId,
          resourceType: 'CareTeam',
          resourceId: input.doctorId,
          requestId: caller.requestId,
          details: { appointmentId: booked.id },
        });
      }
      return booked;
    }),
  );
  return view(row);
}

export async function getAppointment(caller: Caller, id: string): Promise<Appointment> {
  const row = await reachable(caller, id, 'appointment.read');

  await recordAudit(caller.tenant.db, {
    actorId: caller.userId,
    actorRole: caller.role,
    action: 'appointment.read',
    patientId: row.patient_id,
    resourceType: 'Appointment',
    resourceId: id,
    requestId: caller.requestId,
  });
  return view(row, await encountersOf(caller, [row]));
}

/**
 * Lists by start time. The front desk sees the clinic; a patient, their own; a doctor, their
 * own day unless asking about one patient in their care; a nurse, patients in their care.
 */
export async function listAppointments(
  caller: Caller,
  query: AppointmentListQuery,
): Promise<{ items: Appointment[]; nextCursor: string | null }> {
  await requireRole(caller.tenant.db, caller, 'appointment.read');
  if (query.doctorId === 'me' && caller.role !== 'doctor')
    throw invalid('/query/doctorId', "'me' is only for doctors");
  if (query.patientId !== undefined)
    await requirePatientAccess(caller.tenant.db, caller, 'appointment.read', query.patientId);
  const from = query.from === undefined ? null : new Date(query.from);
  const to = query.to === undefined ? null : new Date(query.to);
  if (from !== null && to !== null && to <= from) throw invalid('/query/to', 'must be after from');
  const limit = pageLimit(query.limit);
  const after = decodeCursor(query.cursor, ['time', 'uuid']);
  const ownDay = caller.role === 'doctor' && query.patientId === undefined;
  const doctorId =
    query.doctorId === 'me' || (ownDay && query.doctorId === undefined)
      ? caller.userId
      : query.doctorId;

  let select = caller.tenant.db
    .selectFrom('appointments')
    .selectAll()
    .orderBy('starts_at')
    .orderBy('id')
    .limit(limit + 1);
  select = withinReach(caller, select);
  if (doctorId !== undefined) select = select.where('doctor_id', '=', doctorId);
  if (query.patientId !== undefined) select = select.where('patient_id', '=', query.patientId);
  // Overlap, not containment: a day view shows the appointment that runs past midnight.
  if (from !== null) select = select.where('ends_at', '>', from);
  if (to !== null) select = select.where('starts_at', '<', to);
  if (after !== null) {
    const [time = '', id = ''] = after;
    select = select.where((eb) =>
      eb.or([
        eb('starts_at', '>', new Date(time)),
        eb.and([eb('starts_at', '=', new Date(time)), eb('id', '>', id)]),
      ]),
    );
  }
  const rows = await select.execute();
  const page = rows.slice(0, limit);

  await recordAudit(caller.tenant.db, {
    actorId: caller.userId,
    actorRole: caller.role,
    action: 'appointment.list',
    patientId: query.patientId ?? (caller.role === 'patient' ? caller.patientId : null),
    resourceType: 'Appointment',
    requestId: caller.requestId,
    details: { count: page.length, ...(doctorId === undefined ? {} : { doctorId }) },
  });
  const last = page.at(-1);
  const encounters = await encountersOf(caller, page);
  return {
    items: page.map((row) => view(row, encounters)),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor([last.starts_at.toISOString(), last.id])
        : null,
  };
}

/** Reschedules (a new start and end) or cancels with a reason; the row always stays. */
export async function changeAppointment(
  caller: Caller,
  id: string,
  change: AppointmentChange,
): Promise<Appointment> {
  const row = await reachable(caller, id, 'appointment.change');
  if (row.status === 'cancelled') throw new AppError('appointment_cancelled');
  const cancelling = change.status === 'cancelled';
  if (cancelling && (change.start !== undefined || change.end !== undefined))
    throw invalid('/status', 'cancel or reschedule, not both at once');
  if (cancelling && change.cancelReason === undefined)
    throw invalid('/cancelReason', 'is required to cancel');
  if (!cancelling && change.cancelReason !== undefined)
    throw invalid('/cancelReason', 'only goes with status cancelled');
  if (!cancelling && (change.start === undefined || change.end === undefined))
    throw invalid(change.start === undefined ? '/start' : '/end', 'is required to reschedule');
  const slot = cancelling ? null : checkSlot(change.start ?? '', change.end ?? '');

  const updated = await guardDoubleBooking(() =>
    caller.tenant.transaction(async (trx) => {
      const now = new Date();
      const next = await trx
        .updateTable('appointments')
        .set(
          slot === null
            ? {
                status: 'cancelled',
                cancel_reason: change.cancelReason ?? null,
                cancelled_at: now,
                cancelled_by: caller.userId,
                updated_at: now,
              }
            : { starts_at: slot.start, ends_at: slot.end, updated_at: now },
        )
        .where('id', '=', id)
        .where('status', '=', 'booked')
        .returningAll()
        .executeTakeFirst();
      if (next === undefined) throw new AppError('appointment_cancelled');
      await recordAudit(trx, {
        actorId: caller.userId,
        actorRole: caller.role,
        action: slot === null ? 'appointment.cancel' : 'appointment.reschedule',
        patientId: row.patient_id,
        resourceType: 'Appointment',
        resourceId: id,
        requestId: caller.requestId,
        // Times only: the reason for cancelling is free text and stays out of the trail.
        details:
          slot === null
            ? {}
            : { previousStart: row.starts_at.toISOString(), start: slot.start.toISOString() },
      });
      return next;
    }),
  );
  return view(updated, await encountersOf(caller, [updated]));
}

/** Narrows a listing to what the caller's role may see (the policy's relationship). */
function withinReach(
  caller: Caller,
  select: SelectQueryBuilder<TenantDatabase, 'appointments', Selectable<AppointmentsTable>>,
) {
  switch (ruleFor('appointment.read', caller.role)) {
    case 'self':
      if (caller.patientId === null) throw new AppError('not_found');
      return select.where('patient_id', '=', caller.patientId);
    case 'care':
      return select.where((eb) =>
        eb.or([
          eb('doctor_id', '=', caller.userId),
          eb(
            'patient_id',
            'in',
            eb.selectFrom('patients').select('patients.id').where(inCareOf(caller.userId)),
          ),
        ]),
      );
    case 'tenant':
    case undefined:
      // undefined cannot happen: the caller's role passed requireRole first.
      return select;
  }
}
