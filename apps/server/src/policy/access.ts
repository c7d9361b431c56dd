import type { Kysely } from 'kysely';
import type { TenantDatabase } from '../platform/db/tables.js';
import type { Caller } from '../http/context.js';
import { AppError } from '../http/errors.js';
import { actorOf, recordAudit } from '../modules/audit/service.js';
import { BREAK_GLASS_ACTIONS, ruleFor, type Action } from './policy.js';

/** True when the staff member has an active care-team assignment for the patient. */
export async function inCare(
  db: Kysely<TenantDatabase>,
  staffId: string,
  patientId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('care_team')
    .select('id')
    .where('staff_id', '=', staffId)
    .where('patient_id', '=', patientId)
    .where('ended_at', 'is', null)
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
      allowed =
        (await inCare(db, caller.userId, patientId)) ||
        (BREAK_GLASS_ACTIONS.has(action) && (await hasBreakGlass(db, caller.userId, patientId)));
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
