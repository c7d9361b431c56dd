import crypto from 'node:crypto';
import type { Caller } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import { requirePatientAccess } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';

const CLINICAL_ROLES = new Set(['doctor', 'nurse']);

export async function listCareTeam(caller: Caller, accounts: AccountService, patientId: string) {
  await requirePatientAccess(caller.tenant.db, caller, 'care_team.read', patientId);
  const rows = await caller.tenant.db
    .selectFrom('care_team')
    .select(['staff_id', 'started_at'])
    .where('patient_id', '=', patientId)
    .where('ended_at', 'is', null)
    .orderBy('started_at')
    .execute();
  const staff = await accounts.displayNames(
    caller.tenantId,
    rows.map((row) => row.staff_id),
  );
  return {
    items: rows.flatMap((row) => {
      const member = staff.get(row.staff_id);
      return member === undefined
        ? []
        : [
            {
              staffId: member.id,
              displayName: member.displayName,
              role: member.role,
              since: row.started_at.toISOString(),
            },
          ];
    }),
  };
}

export async function assignCareTeam(
  caller: Caller,
  accounts: AccountService,
  patientId: string,
  staffId: string,
): Promise<void> {
  await requirePatientAccess(caller.tenant.db, caller, 'care_team.manage', patientId);
  const member = await accounts.findById(caller.tenantId, staffId);
  if (member === null || member.status !== 'active')
    throw invalid('/staffId', 'is not a staff member of this clinic');
  if (!CLINICAL_ROLES.has(member.role)) throw invalid('/staffId', 'must be a doctor or nurse');

  await caller.tenant.transaction(async (trx) => {
    const inserted = await trx
      .insertInto('care_team')
      .values({
        id: crypto.randomUUID(),
        patient_id: patientId,
        staff_id: staffId,
        assigned_by: caller.userId,
        ended_at: null,
      })
      .onConflict((oc) =>
        oc.columns(['staff_id', 'patient_id']).where('ended_at', 'is', null).doNothing(),
      )
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined) throw new AppError('already_exists', 'already on the care team');
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'care_team.assign',
      patientId,
      resourceType: 'CareTeam',
      resourceId: staffId,
    });
  });
}

export async function endCareTeam(
  caller: Caller,
  patientId: string,
  staffId: string,
): Promise<void> {
  await requirePatientAccess(caller.tenant.db, caller, 'care_team.manage', patientId);

  await caller.tenant.transaction(async (trx) => {
    const ended = await trx
      .updateTable('care_team')
      .set({ ended_at: new Date() })
      .where('patient_id', '=', patientId)
      .where('staff_id', '=', staffId)
      .where('ended_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (ended === undefined) throw new AppError('not_found');
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'care_team.end',
      patientId,
      resourceType: 'CareTeam',
      resourceId: staffId,
    });
  });
}
