import type { Selectable } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import type { AuditEventsTable } from '../../platform/db/tables.js';
import type { FieldCipher } from '../../platform/keys/field-cipher.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { REASON_FIELD } from './service.js';
import type { AuditItem, AuditQuery } from './schemas.js';

/** The audit log for an admin, newest first, filtered; keyset-paged on the sequence number. */
export async function listAuditEvents(
  tenant: TenantDb,
  cipher: FieldCipher,
  query: AuditQuery,
): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const limit = pageLimit(query.limit);
  const before = decodeCursor(query.cursor, ['integer']);

  let select = tenant.db.selectFrom('audit_events').selectAll();
  if (query.from !== undefined) select = select.where('occurred_at', '>=', new Date(query.from));
  if (query.to !== undefined) select = select.where('occurred_at', '<', new Date(query.to));
  if (query.actorId !== undefined) select = select.where('actor_id', '=', query.actorId);
  if (query.patientId !== undefined) select = select.where('patient_id', '=', query.patientId);
  if (query.action !== undefined) select = select.where('action', '=', query.action);
  if (query.outcome !== undefined) select = select.where('outcome', '=', query.outcome);
  if (before !== null) select = select.where('seq', '<', before[0] ?? '0');
  const rows = await select
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();

  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: await Promise.all(page.map((row) => toItem(row, tenant.tenantId, cipher))),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor([last.seq]) : null,
  };
}

async function toItem(
  row: Selectable<AuditEventsTable>,
  tenantId: string,
  cipher: FieldCipher,
): Promise<AuditItem> {
  return {
    id: row.id,
    seq: Number(row.seq),
    occurredAt: row.occurred_at.toISOString(),
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action,
    outcome: row.outcome,
    severity: row.severity,
    patientId: row.patient_id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    requestId: row.request_id,
    clientIp: row.client_ip,
    reason:
      row.reason === null
        ? null
        : await cipher.decrypt(tenantId, { ...REASON_FIELD, rowId: row.id }, row.reason),
  };
}
