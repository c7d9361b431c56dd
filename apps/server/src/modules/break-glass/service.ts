import crypto from 'node:crypto';
import type { Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { BREAK_GLASS_MINUTES } from '../../policy/policy.js';
import { recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';

export interface BreakGlassView {
  id: string;
  patientId: string;
  staffId: string;
  staffName: string;
  reason: string;
  startedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
}

/**
 * Break-the-glass (SPEC §4): a doctor or nurse opens a record outside their care with a written
 * reason, for 60 minutes of reading. Audited at high severity; every grant waits for an admin.
 */
export class BreakGlassService {
  constructor(private readonly accounts: AccountService) {}

  async open(
    caller: Caller,
    patientId: string,
    reason: string,
  ): Promise<{ id: string; expiresAt: string }> {
    await requirePatientAccess(caller.tenant.db, caller, 'break_glass.request', patientId);
    const id = crypto.randomUUID();
    const expiresAt = new Date(Date.now() + BREAK_GLASS_MINUTES * 60_000);

    await caller.tenant.transaction(async (trx) => {
      await trx
        .insertInto('break_glass')
        .values({
          id,
          patient_id: patientId,
          staff_id: caller.userId,
          ...(await caller.tenant.fields.seal('break_glass', id, { reason: reason.trim() })),
          expires_at: expiresAt,
          reviewed_by: null,
          reviewed_at: null,
        })
        .execute();
      await recordAudit(trx, {
        actorId: caller.userId,
        actorRole: caller.role,
        action: 'break_glass.open',
        patientId,
        resourceType: 'BreakGlass',
        resourceId: id,
        requestId: caller.requestId,
        details: { severity: 'high', reason: reason.trim(), expiresAt: expiresAt.toISOString() },
      });
    });
    return { id, expiresAt: expiresAt.toISOString() };
  }

  async list(caller: Caller, unreviewedOnly: boolean): Promise<BreakGlassView[]> {
    await requireRole(caller.tenant.db, caller, 'break_glass.review');
    let select = caller.tenant.db
      .selectFrom('break_glass')
      .selectAll()
      .orderBy('started_at', 'desc')
      .limit(200);
    if (unreviewedOnly) select = select.where('reviewed_at', 'is', null);
    const rows = await caller.tenant.fields.openAll('break_glass', await select.execute());
    const staff = await this.accounts.displayNames(caller.tenantId, [
      ...new Set(rows.map((row) => row.staff_id)),
    ]);
    return rows.map((row) => ({
      id: row.id,
      patientId: row.patient_id,
      staffId: row.staff_id,
      staffName: staff.get(row.staff_id)?.displayName ?? 'unknown',
      reason: row.reason,
      startedAt: row.started_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      reviewedAt: row.reviewed_at?.toISOString() ?? null,
    }));
  }

  async review(caller: Caller, id: string): Promise<void> {
    await requireRole(caller.tenant.db, caller, 'break_glass.review');
    await caller.tenant.transaction(async (trx) => {
      const row = await trx
        .updateTable('break_glass')
        .set({ reviewed_by: caller.userId, reviewed_at: new Date() })
        .where('id', '=', id)
        .where('reviewed_at', 'is', null)
        .returning(['patient_id'])
        .executeTakeFirst();
      if (row === undefined) throw new AppError('not_found');
      await recordAudit(trx, {
        actorId: caller.userId,
        actorRole: caller.role,
        action: 'break_glass.review',
        patientId: row.patient_id,
        resourceType: 'BreakGlass',
        resourceId: id,
        requestId: caller.requestId,
      });
    });
  }
}
