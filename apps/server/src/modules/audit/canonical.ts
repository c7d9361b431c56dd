import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { TenantDatabase } from '../../platform/db/tables.js';

/** An event as the chain sees it: every stored column, the time at full precision. */
export interface ChainedEvent {
  id: string;
  seq: string;
  occurred: string;
  actor_id: string | null;
  actor_role: string;
  action: string;
  outcome: string;
  severity: string;
  patient_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  request_id: string | null;
  client_ip: string | null;
  reason: string | null;
  details: unknown;
}

/** Selects events in the shape the hash covers; the caller adds its own where/order/limit. */
export function selectChainedEvents(db: Kysely<TenantDatabase>) {
  return db.selectFrom('audit_events').select([
    'id',
    'seq',
    // Microseconds, UTC, one fixed format on both databases: a changed timestamp is a
    // changed hash, even below the millisecond a JavaScript Date would keep.
    sql<string>`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
      'occurred',
    ),
    'actor_id',
    'actor_role',
    'action',
    'outcome',
    'severity',
    'patient_id',
    'resource_type',
    'resource_id',
    'request_id',
    'client_ip',
    'reason',
    'details',
  ]);
}

/** JSON with object keys sorted at every depth: one text for one value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The canonical encoding of an event, versioned so the encoding can change without ambiguity. */
export function encodeEvent(event: ChainedEvent): string {
  return canonicalJson([
    'mc-audit-event-v1',
    event.seq,
    event.id,
    event.occurred,
    event.actor_id,
    event.actor_role,
    event.action,
    event.outcome,
    event.severity,
    event.patient_id,
    event.resource_type,
    event.resource_id,
    event.request_id,
    event.client_ip,
    event.reason,
    event.details,
  ]);
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The first link's predecessor, bound to the tenant: a chain copied to another clinic breaks. */
export function genesisHash(tenantId: string): string {
  return sha256(`mc-audit-genesis-v1\n${tenantId}`);
}

export function eventHash(prevHash: string, event: ChainedEvent): string {
  return sha256(`${prevHash}\n${encodeEvent(event)}`);
}

/** A sequence number that no committed event took (its transaction rolled back). */
export function gapHash(prevHash: string, seq: string): string {
  return sha256(`${prevHash}\n${canonicalJson(['mc-audit-gap-v1', seq])}`);
}
