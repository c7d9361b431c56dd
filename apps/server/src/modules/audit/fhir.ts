import type { Selectable } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import type { AuditEventsTable } from '../../platform/db/tables.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const ACTION_SYSTEM = 'urn:mediconnect:audit-action';
const STAFF_SYSTEM = 'urn:mediconnect:user';
const REQUEST_SYSTEM = 'urn:mediconnect:request';

/** A FHIR R4 AuditEvent: ids, codes and times only. The free-text reason stays out. */
export type FhirAuditEvent = Record<string, unknown> & { resourceType: 'AuditEvent'; id: string };

/** Pages through a tenant's events from `since`, oldest first, in sequence order. */
export async function* auditEventsSince(
  tenant: TenantDb,
  since: Date,
  pageSize = 500,
): AsyncGenerator<Selectable<AuditEventsTable>> {
  let after = '0';
  for (;;) {
    const rows = await tenant.db
      .selectFrom('audit_events')
      .selectAll()
      .where('occurred_at', '>=', since)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    yield* rows;
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < pageSize) return;
    after = last.seq;
  }
}

export function toFhirAuditEvent(
  event: Selectable<AuditEventsTable>,
  tenantCode: string,
): FhirAuditEvent {
  const entity: Record<string, unknown>[] = [];
  if (event.patient_id !== null) {
    entity.push({
      what: { reference: `Patient/${event.patient_id}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    });
  }
  if (event.resource_type !== null && event.resource_id !== null) {
    entity.push({
      what: { reference: `${event.resource_type}/${event.resource_id}` },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    });
  }
  if (event.request_id !== null) {
    entity.push({
      what: { identifier: { system: REQUEST_SYSTEM, value: event.request_id } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      description: 'request',
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: event.id,
    type: eventType(event.action),
    subtype: [{ system: ACTION_SYSTEM, code: event.action }],
    action: fhirAction(event.action),
    recorded: event.occurred_at.toISOString(),
    outcome: { success: '0', denied: '4', failure: '8' }[event.outcome],
    ...(event.outcome === 'success' ? {} : { outcomeDesc: event.outcome }),
    ...(event.severity === 'high' || event.action.startsWith('break_glass.')
      ? { purposeOfEvent: [{ coding: [{ system: ACT_REASON, code: 'ETREAT' }] }] }
      : {}),
    agent: [
      {
        ...(event.actor_id === null
          ? {}
          : { who: { identifier: { system: STAFF_SYSTEM, value: event.actor_id } } }),
        role: [{ text: event.actor_role }],
        requestor: true,
        ...(event.client_ip === null ? {} : { network: { address: event.client_ip, type: '2' } }),
      },
    ],
    source: { site: tenantCode, observer: { display: 'MediConnect' } },
    ...(entity.length > 0 ? { entity } : {}),
  };
}

function eventType(action: string) {
  if (action.startsWith('auth.'))
    return { system: DCM, code: '110114', display: 'User Authentication' };
  if (action.startsWith('fhir.import')) return { system: DCM, code: '110107', display: 'Import' };
  if (action.endsWith('.export')) return { system: DCM, code: '110106', display: 'Export' };
  if (/^(patient|encounter|clinical|care_team|break_glass|portal)\./.test(action))
    return { system: DCM, code: '110110', display: 'Patient Record' };
  return { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };
}

/** C, R, U, D or E (execute) from the verb at the end of our action names. */
function fhirAction(action: string): 'C' | 'R' | 'U' | 'D' | 'E' {
  // A consultation's join, start, admission and end are steps of one workflow, none a deletion.
  if (action.startsWith('consultation.')) return 'E';
  const verb = action.slice(action.lastIndexOf('.') + 1);
  if (['create', 'assign', 'open', 'link'].includes(verb)) return 'C';
  if (['read', 'list'].includes(verb)) return 'R';
  if (['update', 'amend', 'review'].includes(verb)) return 'U';
  if (['end', 'delete'].includes(verb)) return 'D';
  return 'E';
}
