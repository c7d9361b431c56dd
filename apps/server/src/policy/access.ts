import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { TenantDatabase } from '../platform/db/tables.js';
import type { Caller } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { actorOf, recordAudit } from '../modules/audit/service.js';
import { BREAK_GLASS_ACTIONS, ENCOUNTER_CARE_DAYS, ruleFor, type Action } from './policy.js';

/**
 * The care relationship of SPEC §4, as a condition on `patients` (one patient, or the rows of a
 * list): an active care-team assignment, or an encounter the staff member is the clinician of,
 * for ENCOUNTER_CARE_DAYS after it (see policy.ts for why, and how it ends).
 */
export function inCareOf(staffId: string, now: Date = new Date()) {
  const since = new Date(now.getTime() - ENCOUNTER_CARE_DAYS * 86_400_000);
  return (eb: ExpressionBuilder<TenantDatabase, 'patients'>): Expression<SqlBool> =>
    eb.or([
      eb.exists(
        eb
          .selectFrom('care_team')
          .select('care_team.id')
          .whereRef('care_team.patient_id', '=', 'patients.id')
          .where('care_team.staff_id', '=', staffId)
          .where('care_team.ended_at', 'is', null),
      ),
      eb.exists(
        eb
          .selectFrom('encounters')
          .select('encounters.id')
          .whereRef('encounters.patient_id', '=', 'patients.id')
          .where('encounters.clinician_id', '=', staffId)
          // The earlier of the encounter's time and its recording: a future date stretches nothing.
          .where(
            (inner) =>
              inner.fn('least', [
                inner.ref('encounters.started_at'),
                inner.ref('encounters.created_at'),
              ]),
            '>',
            since,
          )
          // Taken off the care team after the encounter was recorded: that ended this too.
          .where((inner) =>
            inner.not(
              inner.exists(
                inner
                  .selectFrom('care_team as ended')
                  .select('ended.id')
                  .whereRef('ended.patient_id', '=', 'patients.id')
                  .where('ended.staff_id', '=', staffId)
                  .whereRef('ended.ended_at', '>=', 'encounters.created_at'),
              ),
            ),
          ),
      ),
      // Booking an appointment with a doctor creates the relationship as a care-team row in the
      // booking's own transaction (modules/appointments/service.ts): the first branch covers it.
    ]);
}

/**
 * The clinicians whose encounters keep them in this patient's care (inCareOf's second branch),
 * with the time of the earliest such encounter, for the care-team list.
 */
export async function encounterClinicians(
  db: Kysely<TenantDatabase>,
  patientId: string,
  now: Date = new Date(),
): Promise<{ staffId: string; since: Date }[]> {
  const since = new Date(now.getTime() - ENCOUNTER_CARE_DAYS * 86_400_000);
  const rows = await db
    .selectFrom('encounters')
    .select((eb) => ['encounters.clinician_id', eb.fn.min('encounters.created_at').as('since')])
    .where('encounters.patient_id', '=', patientId)
    .where('encounters.clinician_id', 'is not', null)
    .where(
      (eb) => eb.fn('least', [eb.ref('encounters.started_at'), eb.ref('encounters.created_at')]),
      '>',
      since,
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('care_team as ended')
            .select('ended.id')
            .whereRef('ended.patient_id', '=', 'encounters.patient_id')
            .whereRef('ended.staff_id', '=', 'encounters.clinician_id')
            .whereRef('ended.ended_at', '>=', 'encounters.created_at'),
        ),
      ),
    )
    .groupBy('encounters.clinician_id')
    .execute();
  return rows.flatMap((row) =>
    row.clinician_id === null ? [] : [{ staffId: row.clinician_id, since: new Date(row.since) }],
  );
}

/** True when the staff member is in a care relationship with the patient (inCareOf). */
export async function inCare(
  db: Kysely<TenantDatabase>,
  staffId: string,
  patientId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('patients')
    .select('patients.id')
    .where('patients.id', '=', patientId)
    .where(inCareOf(staffId))
    .executeTakeFirst();
  return row !== undefined;
}

/** True while the staff member holds a live break-the-glass grant for the patient. */
export async function hasBreakGlass(
  db: Kysely<TenantDatabase>,
  staffId: string,
  patientId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('break_glass')
    .select('id')
    .where('staff_id', '=', staffId)
    .where('patient_id', '=', patientId)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row !== undefined;
}

/** Denies by role alone (403) for actions that do not concern one patient. */
export async function requireRole(
  db: Kysely<TenantDatabase>,
  caller: Caller,
  action: Action,
): Promise<void> {
  if (ruleFor(action, caller.role) !== undefined) return;
  await auditDenied(db, caller, action, null);
  throw new AppError('forbidden');
}

/**
 * Decides whether the caller may do `action` on this patient. Every denial is audited. An
 * out-of-reach patient answers exactly as a missing one does.
 */
export async function requirePatientAccess(
  db: Kysely<TenantDatabase>,
  caller: Caller,
  action: Action,
  patientId: string,
): Promise<void> {
  const relationship = ruleFor(action, caller.role);
  if (relationship === undefined) {
    await auditDenied(db, caller, action, patientId);
    throw new AppError('forbidden');
  }
  const exists = await db
    .selectFrom('patients')
    .select('id')
    .where('id', '=', patientId)
    .executeTakeFirst();
  if (exists === undefined) throw new AppError('not_found');

  let allowed: boolean;
  switch (relationship) {
    case 'tenant':
      allowed = true;
      break;
    case 'care':
      allowed = await inCare(db, caller.userId, patientId);
      if (!allowed && (await hasBreakGlass(db, caller.userId, patientId))) {
        if (BREAK_GLASS_ACTIONS.has(action)) return;
        // The record is in reach (the caller is reading it): a 404 would hide nothing and
        // contradict the chart on screen. The refusal is of the act, so 403 with its own code.
        await auditDenied(db, caller, action, patientId);
        throw new AppError('break_glass_read_only');
      }
      break;
    case 'self':
      allowed = caller.patientId === patientId;
      break;
  }
  if (allowed) return;
  await auditDenied(db, caller, action, patientId);
  throw new AppError('not_found');
}

async function auditDenied(
  db: Kysely<TenantDatabase>,
  caller: Caller,
  action: Action,
  patientId: string | null,
): Promise<void> {
  await recordAudit(db, {
    ...actorOf(caller),
    action,
    outcome: 'denied',
    patientId,
  });
}
