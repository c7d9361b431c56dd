import crypto from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import { quoteSchema } from '../../platform/db/migrate.js';
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

/** The columns a request writes, with their types, in the order of toRow's fields. */
const GROUP_COLUMNS = [
  ['id', 'uuid'],
  ['actor_id', 'uuid'],
  ['actor_role', 'text'],
  ['action', 'text'],
  ['outcome', 'text'],
  ['severity', 'text'],
  ['patient_id', 'uuid'],
  ['resource_type', 'text'],
  ['resource_id', 'text'],
  ['request_id', 'text'],
  ['client_ip', 'text'],
  ['reason', 'text'],
  ['details', 'jsonb'],
] as const;

/**
 * A group of read events in one statement whose text is the same whatever the group's size (one
 * array per column, unnested): on the app's hottest path, every audited read, it skips the query
 * builder's per-statement work, which costs more CPU than the insert itself. The text names
 * only the handle's own schema, so it keeps the tenant wall that the guard plugin would check.
 */
export async function recordAuditGroup(handle: TenantDb, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(toRow);
  const names = GROUP_COLUMNS.map(([name]) => name).join(', ');
  const arrays = GROUP_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const text = `insert into ${quoteSchema(handle.schema)}.audit_events (${names})
    select * from unnest(${arrays})`;
  await handle.db.executeQuery(
    CompiledQuery.raw(
      text,
      GROUP_COLUMNS.map(([name]) => rows.map((row) => row[name])),
    ),
  );
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
