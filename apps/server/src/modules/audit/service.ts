import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEventsTable, TenantDatabase } from '../../platform/db/tables.js';

export interface AuditEvent {
  actorId: string | null;
  actorRole: string;
  action: string;
  outcome?: AuditEventsTable['outcome'];
  patientId?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  requestId?: string | null;
  /** Identifiers and counts only: never names, clinical text or insurance numbers. */
  details?: Record<string, unknown>;
}

/**
 * The audit trail lives in the tenant's own schema. Callers pass the transaction that carries
 * the change (or the read) the event describes: if the event cannot be written, neither is
 * the change, and the request fails.
 */
export async function recordAudit(db: Kysely<TenantDatabase>, event: AuditEvent): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      id: crypto.randomUUID(),
      actor_id: event.actorId,
      actor_role: event.actorRole,
      action: event.action,
      outcome: event.outcome ?? 'success',
      patient_id: event.patientId ?? null,
      resource_type: event.resourceType ?? null,
      resource_id: event.resourceId ?? null,
      request_id: event.requestId ?? null,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute();
}
