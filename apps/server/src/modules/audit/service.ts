import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEventsTable, TenantDatabase } from '../../platform/db/tables.js';
import type { FieldCipher } from '../../platform/keys/field-cipher.js';

export interface AuditEvent {
  /** Set only when the caller sealed a reason for this event (see sealReason). */
  id?: string;
  actorId: string | null;
  actorRole: string;
  action: string;
  outcome?: AuditEventsTable['outcome'];
  /** `high` for events an admin must look at (break-the-glass). */
  severity?: 'info' | 'high';
  patientId?: string | null;
  resourceType?: string | null;
  resourceId?: string | null;
  requestId?: string | null;
  clientIp?: string | null;
  /** A reason given by the actor, already encrypted by sealReason. */
  reason?: string | null;
  /** Identifiers and counts only: never names, clinical text or insurance numbers. */
  details?: Record<string, unknown>;
}

/** Who did it, from where, in which request: the part of every event that comes from the caller. */
export interface AuditActor {
  userId: string;
  role: string;
  requestId: string;
  clientIp: string;
}

export function actorOf(caller: AuditActor) {
  return {
    actorId: caller.userId,
    actorRole: caller.role,
    requestId: caller.requestId,
    clientIp: caller.clientIp,
  };
}

export const REASON_FIELD = { table: 'audit_events', column: 'reason' } as const;

/**
 * A free-text reason may name a patient or a condition, so it is stored encrypted under the
 * tenant's data key, bound to the event's own id. The chain hashes the ciphertext.
 */
export async function sealReason(
  cipher: FieldCipher,
  tenantId: string,
  text: string,
): Promise<{ id: string; reason: string }> {
  const id = crypto.randomUUID();
  return { id, reason: await cipher.encrypt(tenantId, { ...REASON_FIELD, rowId: id }, text) };
}

/**
 * The audit trail lives in the tenant's own schema. Callers pass the transaction that carries
 * the change (or the read) the event describes: if the event cannot be written, neither is
 * the change, and the request fails. The insert takes a sequence number and nothing else: no
 * lock, no read of the chain. The background chainer links it within seconds (chain.ts).
 */
export async function recordAudit(db: Kysely<TenantDatabase>, event: AuditEvent): Promise<void> {
  await recordAudits(db, [event]);
}

/** Several events in one statement (see batcher.ts). */
export async function recordAudits(
  db: Kysely<TenantDatabase>,
  events: AuditEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('audit_events').values(events.map(toRow)).execute();
}

function toRow(event: AuditEvent) {
  return {
    id: event.id ?? crypto.randomUUID(),
    actor_id: event.actorId,
    actor_role: event.actorRole,
    action: event.action,
    outcome: event.outcome ?? 'success',
    severity: event.severity ?? 'info',
    patient_id: event.patientId ?? null,
    resource_type: event.resourceType ?? null,
    resource_id: event.resourceId ?? null,
    request_id: event.requestId ?? null,
    client_ip: event.clientIp ?? null,
    reason: event.reason ?? null,
    details: JSON.stringify(event.details ?? {}),
  };
}
