import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TenantDatabase } from '../../platform/db/tables.js';
import type { TenantFields } from '../../platform/keys/tenant-fields.js';
import { insertVersion } from './service.js';

/**
 * The video encounter of a consultation, opened when the doctor admits the patient. Version 1
 * is an empty SOAP note by the doctor; the doctor writes the note as the next version through
 * the encounter API (`POST /encounters/{id}/amendments`), like any other note: every version
 * stays readable, none is overwritten.
 */
export async function openConsultationEncounter(
  trx: Kysely<TenantDatabase>,
  fields: TenantFields,
  visit: {
    appointmentId: string;
    patientId: string;
    clinician: { id: string; name: string };
    at: Date;
  },
): Promise<{ id: string; created: boolean }> {
  const id = crypto.randomUUID();
  // Two instances admitting at once: the unique index lets one row in; the other insert
  // waits for it, does nothing, and reads the winner's id below.
  const inserted = await trx
    .insertInto('encounters')
    .values({
      id,
      patient_id: visit.patientId,
      type: 'video',
      started_at: visit.at,
      ended_at: null,
      clinician_id: visit.clinician.id,
      clinician_name: visit.clinician.name,
      practitioner_id: null,
      organization_id: null,
      current_version: 1,
      created_at: visit.at,
      updated_at: visit.at,
      appointment_id: visit.appointmentId,
    })
    .onConflict((oc) =>
      oc.column('appointment_id').where('appointment_id', 'is not', null).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (inserted === undefined) {
    const existing = await consultationEncounterId(trx, visit.appointmentId);
    if (existing === null) throw new Error('a consultation encounter vanished while admitting');
    return { id: existing, created: false };
  }
  const empty = { subjective: '', objective: '', assessment: '', plan: '' };
  await insertVersion(
    trx,
    fields,
    id,
    1,
    { note: empty, diagnoses: [] },
    visit.clinician,
    null,
    visit.at,
  );
  return { id, created: true };
}

/** Sets the end of the consultation's encounter, if it has one; its id, or null. */
export async function endConsultationEncounter(
  trx: Kysely<TenantDatabase>,
  appointmentId: string,
  at: Date,
): Promise<string | null> {
  const row = await trx
    .updateTable('encounters')
    .set({ ended_at: at })
    .where('appointment_id', '=', appointmentId)
    .where('ended_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function consultationEncounterId(
  db: Kysely<TenantDatabase>,
  appointmentId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('encounters')
    .select('id')
    .where('appointment_id', '=', appointmentId)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** The encounters of several appointments at once (for appointment lists), by appointment id. */
export async function consultationEncounterIds(
  db: Kysely<TenantDatabase>,
  appointmentIds: string[],
): Promise<Map<string, string>> {
  if (appointmentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('encounters')
    .select(['id', 'appointment_id'])
    .where('appointment_id', 'in', appointmentIds)
    .execute();
  return new Map(
    rows.flatMap((row) => (row.appointment_id === null ? [] : [[row.appointment_id, row.id]])),
  );
}
