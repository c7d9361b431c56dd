import crypto from 'node:crypto';
import { insertVersion } from '../encounters/service.js';
import type { FileImport } from './context.js';
import {
  mapCondition,
  mapEncounter,
  mapMedicationRequest,
  mapObservation,
} from './mapping-clinical.js';
import { skipped, Skipped, UPDATED } from './outcome.js';
import type { Writer } from './store.js';
import { IMPORT_AUTHOR } from './tables.js';

/**
 * Encounter → an encounter whose version 1 is authored by "FHIR import": the note holds only
 * what the source says the visit was for; diagnoses come from the Conditions that point at it.
 */
export const writeEncounter: Writer = async (ctx, resource, key, base) => {
  const draft = mapEncounter(resource);
  if ('skip' in draft) return skipped(draft.skip);
  const patientId = await ctx.required(draft.subject, 'Patient', base);
  const practitionerId = await ctx.optional(draft.participant, 'Practitioner', base);
  const organizationId = await ctx.optional(draft.serviceProvider, 'Organization', base);
  const linkedName = practitionerId === null ? null : await ctx.practitionerName(practitionerId);
  const row = {
    patient_id: patientId,
    type: draft.type,
    started_at: draft.startedAt,
    ended_at: draft.endedAt,
    clinician_name: draft.participant?.display ?? linkedName ?? 'unknown',
    practitioner_id: practitionerId,
    organization_id: organizationId,
  };
  const note = { subjective: draft.subjective, objective: '', assessment: '', plan: '' };
  ctx.patients.add(patientId);

  const { outcome } = await ctx.upsert(
    [key],
    { row, note },
    {
      insert: async () => {
        const id = crypto.randomUUID();
        await ctx.db
          .insertInto('encounters')
          .values({
            id,
            ...row,
            clinician_id: null,
            current_version: 1,
            created_at: ctx.now,
            updated_at: ctx.now,
          })
          .execute();
        await insertVersion(
          ctx.trx,
          ctx.fields,
          id,
          1,
          { note, diagnoses: [] },
          { id: null, name: IMPORT_AUTHOR },
          null,
          ctx.now,
        );
        ctx.versions.created(id);
        return id;
      },
      update: async (id) => {
        const current = await ctx.versions.currentNote(id);
        await ctx.db
          .updateTable('encounters')
          .set({ ...row, updated_at: ctx.now })
          .where('id', '=', id)
          .execute();
        if (current.subjective !== note.subjective) {
          const version = await ctx.versions.writable(id);
          await ctx.db
            .updateTable('encounter_versions')
            .set(await ctx.fields.seal('encounter_versions', `${id}/${String(version)}`, note))
            .where('encounter_id', '=', id)
            .where('version', '=', version)
            .execute();
        }
        return UPDATED;
      },
    },
  );
  return outcome;
};

/** Condition → a diagnosis on its encounter, in the version this import writes. */
export const writeCondition: Writer = async (ctx, resource, key, base) => {
  const draft = mapCondition(resource);
  if ('skip' in draft) return skipped(draft.skip);
  const patientId = await ctx.required(draft.subject, 'Patient', base);
  const encounterId = await sameEncounter(
    ctx,
    patientId,
    await ctx.required(draft.encounter, 'Encounter', base),
  );
  const values = { code: draft.code, name: draft.name, code_system: draft.codeSystem };

  const { outcome } = await ctx.upsert(
    [key],
    { encounterId, ...values },
    {
      insert: async () => {
        const version = await ctx.versions.writable(encounterId);
        const id = crypto.randomUUID();
        await ctx.db
          .insertInto('diagnoses')
          .values({
            id,
            encounter_id: encounterId,
            version,
            position: await ctx.versions.nextPosition(encounterId, version),
            ...(await ctx.fields.seal('diagnoses', id, values)),
          })
          .execute();
        return id;
      },
      update: async (id) => {
        const before = await ctx.db
          .selectFrom('diagnoses')
          .select(['encounter_id', 'position'])
          .where('id', '=', id)
          .executeTakeFirst();
        if (before?.encounter_id !== encounterId) return skipped('moved to another encounter');
        // A new version copies the diagnoses with new ids; the position is what stays the same.
        const version = await ctx.versions.writable(encounterId);
        const row = await ctx.db
          .selectFrom('diagnoses')
          .select('id')
          .where('encounter_id', '=', encounterId)
          .where('version', '=', version)
          .where('position', '=', before.position)
          .executeTakeFirstOrThrow();
        await ctx.db
          .updateTable('diagnoses')
          .set(await ctx.fields.seal('diagnoses', row.id, values))
          .where('id', '=', row.id)
          .execute();
        return { kind: 'updated', localId: row.id };
      },
    },
  );
  return outcome;
};

export const writeObservation: Writer = async (ctx, resource, key, base) => {
  const draft = mapObservation(resource);
  if ('skip' in draft) return skipped(draft.skip);
  const patientId = await ctx.required(draft.subject, 'Patient', base);
  const encounterId = await ctx.optional(draft.encounter, 'Encounter', base);
  const row = {
    patient_id: patientId,
    encounter_id: encounterId === null ? null : await sameEncounter(ctx, patientId, encounterId),
    code_system: draft.codeSystem,
    code: draft.code,
    display: draft.display,
    value_text: draft.valueText,
    unit: draft.unit,
    effective_at: draft.effectiveAt,
  };
  ctx.patients.add(patientId);

  // Measurements are not notes: a corrected value from the source replaces the imported one.
  const { outcome } = await ctx.upsert([key], row, {
    insert: async () => {
      const id = crypto.randomUUID();
      await ctx.db
        .insertInto('observations')
        .values({ id, ...(await ctx.fields.seal('observations', id, row)), created_at: ctx.now })
        .execute();
      return id;
    },
    update: async (id) => {
      await ctx.db
        .updateTable('observations')
        .set(await ctx.fields.seal('observations', id, row))
        .where('id', '=', id)
        .execute();
      return UPDATED;
    },
  });
  return outcome;
};

export const writeMedicationRequest: Writer = async (ctx, resource, key, base) => {
  const draft = mapMedicationRequest(resource);
  if ('skip' in draft) return skipped(draft.skip);
  const patientId = await ctx.required(draft.subject, 'Patient', base);
  const encounterId = await ctx.optional(draft.encounter, 'Encounter', base);
  const row = {
    patient_id: patientId,
    encounter_id: encounterId === null ? null : await sameEncounter(ctx, patientId, encounterId),
    code_system: draft.codeSystem,
    code: draft.code,
    display: draft.display,
    dosage: draft.dosage,
    status: draft.status,
    authored_at: draft.authoredAt,
  };
  ctx.patients.add(patientId);

  // Medication history from elsewhere, not a prescription issued here: its status follows the source.
  const { outcome } = await ctx.upsert([key], row, {
    insert: async () => {
      const id = crypto.randomUUID();
      await ctx.db
        .insertInto('medications')
        .values({ id, ...(await ctx.fields.seal('medications', id, row)), created_at: ctx.now })
        .execute();
      return id;
    },
    update: async (id) => {
      await ctx.db
        .updateTable('medications')
        .set(await ctx.fields.seal('medications', id, row))
        .where('id', '=', id)
        .execute();
      return UPDATED;
    },
  });
  return outcome;
};

/** A record may only point at an encounter of its own patient. */
async function sameEncounter(
  ctx: FileImport,
  patientId: string,
  encounterId: string,
): Promise<string> {
  if ((await ctx.patientOfEncounter(encounterId)) !== patientId) {
    throw new Skipped('encounter of another patient');
  }
  return encounterId;
}
