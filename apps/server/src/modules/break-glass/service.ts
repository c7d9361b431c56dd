import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { BREAK_GLASS_MINUTES } from '../../policy/policy.js';
import type { FieldCipher } from '../../platform/keys/field-cipher.js';
import { actorOf, recordAudit, sealReason } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';

/** A bound on the caller's live grants listed at once; nobody opens this many in an hour. */
const MINE_LIMIT = 100;

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
  constructor(
    private readonly accounts: AccountService,
    private readonly cipher: FieldCipher,
  ) {}

  async open(
    caller: Caller,
    patientId: string,
    reason: string,
  ): Promise<{ id: string; expiresAt: string }> {
    await requirePatientAccess(caller.tenant.db, caller, 'break_glass.request', patientId);
    const id = crypto.randomUUID();
    const expiresAt = new Date(Date.now() + BREAK_GLASS_MINUTES * 60_000);
    const sealed = await sealReason(this.cipher, caller.tenantId, reason.trim());

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
        ...actorOf(caller),
        id: sealed.id,
        action: 'break_glass.open',
        severity: 'high',
        patientId,
        resourceType: 'BreakGlass',
        resourceId: id,
        reason: sealed.reason,
        details: { expiresAt: expiresAt.toISOString() },
      });
    });
    return { id, expiresAt: expiresAt.toISOString() };
  }

  /**
   * The caller's own grants that are still running, soonest to end first, so the web app can show
   * which charts are open through break-the-glass after a reload. Few by nature: what one person
   * opens within an hour.
   */
  async mine(caller: Caller): Promise<{ id: string; patientId: string; expiresAt: string }[]> {
    await requireRole(caller.tenant.db, caller, 'break_glass.request');
    const rows = await caller.tenant.db
      .selectFrom('break_glass')
      .select(['id', 'patient_id', 'expires_at'])
      .where('staff_id', '=', caller.userId)
      .where('expires_at', '>', new Date())
      .orderBy('expires_at')
      .limit(MINE_LIMIT)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      patientId: row.patient_id,
      expiresAt: row.expires_at.toISOString(),
    }));
  }

  /** Newest first, a page at a time (the cursor holds the last grant's start and id). */
  async list(
    caller: Caller,
    unreviewedOnly: boolean,
    query: { limit?: string | undefined; cursor?: string | undefined },
  ): Promise<{ items: BreakGlassView[]; nextCursor: string | null }> {
    await requireRole(caller.tenant.db, caller, 'break_glass.review');
    const limit = pageLimit(query.limit);
    const after = decodeCursor(query.cursor, ['time', 'uuid']);
    // Compared at the cursor's millisecond precision: now() keeps microseconds, which the ISO
    // time in a cursor would lose, skipping grants that started within the same millisecond.
    const started = sql<Date>`date_trunc('milliseconds', started_at)`;
    let select = caller.tenant.db
      .selectFrom('break_glass')
      .selectAll()
      .orderBy(started, 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (unreviewedOnly) select = select.where('reviewed_at', 'is', null);
    if (after !== null) {
      const [time = '', id = ''] = after;
      select = select.where(sql<boolean>`(${started}, id) < (${new Date(time)}, ${id})`);
    }
    const found = await select.execute();
    const rows = await caller.tenant.fields.openAll('break_glass', found.slice(0, limit));
    const staff = await this.accounts.displayNames(caller.tenantId, [
      ...new Set(rows.map((row) => row.staff_id)),
    ]);
    const last = rows[rows.length - 1];
    const nextCursor =
      found.length > limit && last !== undefined
        ? encodeCursor([last.started_at.toISOString(), last.id])
        : null;
    const items = rows.map((row) => ({
      id: row.id,
      patientId: row.patient_id,
      staffId: row.staff_id,
      staffName: staff.get(row.staff_id)?.displayName ?? 'unknown',
      reason: row.reason,
      startedAt: row.started_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      reviewedAt: row.reviewed_at?.toISOString() ?? null,
    }));
    return { items, nextCursor };
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
        ...actorOf(caller),
        action: 'break_glass.review',
        patientId: row.patient_id,
        resourceType: 'BreakGlass',
        resourceId: id,
      });
    });
  }
}
