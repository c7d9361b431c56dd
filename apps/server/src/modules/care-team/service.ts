import crypto from 'node:crypto';
import type { Caller } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import { encounterClinicians, inCare, requirePatientAccess } from '../../policy/access.js';
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
  const assigned = new Set(rows.map((row) => row.staff_id));
  // Clinicians in care through a recent encounter of theirs, without an assignment.
  const byEncounter = (await encounterClinicians(caller.tenant.db, patientId)).filter(
    (row) => !assigned.has(row.staffId),
  );
  const members: { staffId: string; since: Date; via: 'assignment' | 'encounter' }[] = [
    ...rows.map((row) => ({
      staffId: row.staff_id,
      since: row.started_at,
      via: 'assignment' as const,
    })),
    ...byEncounter.map((row) => ({ ...row, via: 'encounter' as const })),
  ];
  const staff = await accounts.displayNames(
    caller.tenantId,
    members.map((row) => row.staffId),
  );
  return {
    items: members.flatMap((row) => {
      const member = staff.get(row.staffId);
      return member === undefined
        ? []
        : [
            {
              staffId: member.id,
              displayName: member.displayName,
              role: member.role,
              since: row.since.toISOString(),
              via: row.via,
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
    if (ended === undefined) {
      // No assignment, but perhaps an encounter keeps them in care: an ended row records the
      // removal, which ends every encounter relationship recorded before it (policy.ts).
      if (!(await inCare(trx, staffId, patientId))) throw new AppError('not_found');
      const now = new Date();
      await trx
        .insertInto('care_team')
        .values({
          id: crypto.randomUUID(),
          patient_id: patientId,
          staff_id: staffId,
          assigned_by: caller.userId,
          started_at: now,
          ended_at: now,
        })
        .execute();
    }
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'care_team.end',
      patientId,
      resourceType: 'CareTeam',
      resourceId: staffId,
    });
  });
}
