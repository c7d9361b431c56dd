import crypto from 'node:crypto';
import type { FileImport } from './context.js';
import type { Identifier } from './elements.js';
import type { At } from './json.js';
import {
  insurerNumberOf,
  mapCoverage,
  mapOrganization,
  mapPatient,
  mapPractitioner,
  type PatientRow,
} from './mapping.js';
import { skipped, UPDATED, type Outcome } from './outcome.js';
import { identifierKey, type RefKey } from './references.js';

/** Writes one resource of a given type: resolves its references, then inserts or updates. */
export type Writer = (ctx: FileImport, resource: At, key: RefKey, base: string) => Promise<Outcome>;

// A patient someone edited in MediConnect keeps their edits: the import does not overwrite them.
const EDITED = 'edited in MediConnect since the import';

export const writePatient: Writer = async (ctx, resource, key) => {
  const row = mapPatient(resource);
  if ('skip' in row) return skipped(row.skip);

  const { outcome, localId } = await ctx.upsert([key], row, {
    insert: async () => {
      const id = crypto.randomUUID();
      await ctx.db
        .insertInto('patients')
        .values({
          id,
          version: 1,
          ...row,
          insurer_number: null,
          insurance_symbol: null,
          insurance_number: null,
          insurance_branch: null,
          created_at: ctx.now,
          updated_at: ctx.now,
          created_by: null,
          updated_by: null,
        })
        .execute();
      return id;
    },
    update: (id) => updatePatient(ctx, id, row),
  });
  ctx.patients.add(localId);
  return outcome;
};

/** Demographics from a newer export replace the imported ones, one version up (SPEC §5). */
async function updatePatient(
  ctx: FileImport,
  id: string,
  values: Partial<PatientRow> & {
    insurer_number?: string;
    insurance_symbol?: string | null;
    insurance_number?: string;
    insurance_branch?: string | null;
  },
): Promise<Outcome> {
  const sealed = {
    ...(await ctx.fields.seal('patients', id, values)),
    ...(values.insurance_number === undefined
      ? {}
      : { insurance_number_bidx: await ctx.fields.insuranceNumberIndex(values.insurance_number) }),
  };
  const updated = await ctx.db
    .updateTable('patients')
    .set((eb) => ({ ...sealed, version: eb('version', '+', 1), updated_at: ctx.now }))
    .where('id', '=', id)
    .where('updated_by', 'is', null)
    .executeTakeFirst();
  return updated.numUpdatedRows === 0n ? skipped(EDITED) : UPDATED;
}

export const writePractitioner: Writer = async (ctx, resource, key) => {
  const row = mapPractitioner(resource);
  const keys = [key, ...identifierKeys('Practitioner', row.identifiers)];
  const values = { name: row.name, identifiers: JSON.stringify(row.identifiers) };

  const { outcome } = await ctx.upsert(keys, row, {
    insert: async () => {
      const id = crypto.randomUUID();
      await ctx.db
        .insertInto('practitioners')
        .values({ id, ...values, created_at: ctx.now })
        .execute();
      return id;
    },
    update: async (id) => {
      await ctx.db.updateTable('practitioners').set(values).where('id', '=', id).execute();
      return UPDATED;
    },
  });
  return outcome;
};

export const writeOrganization: Writer = async (ctx, resource, key) => {
  const row = mapOrganization(resource);
  const keys = [key, ...identifierKeys('Organization', row.identifiers)];
  const values = { ...row, identifiers: JSON.stringify(row.identifiers) };

  const { outcome } = await ctx.upsert(keys, row, {
    insert: async () => {
      const id = crypto.randomUUID();
      await ctx.db
        .insertInto('organizations')
        .values({ id, ...values, created_at: ctx.now })
        .execute();
      return id;
    },
    update: async (id) => {
      await ctx.db.updateTable('organizations').set(values).where('id', '=', id).execute();
      return UPDATED;
    },
  });
  return outcome;
};

/**
 * JP Core Coverage → the patient's insurance. The 保険者番号 lives on the payor Organization;
 * without a valid one (check digit included) the insurance stays empty and the summary says why.
 */
export const writeCoverage: Writer = async (ctx, resource, key, base) => {
  const draft = mapCoverage(resource);
  if ('skip' in draft) return skipped(draft.skip);
  const patientId = await ctx.required(draft.beneficiary, 'Patient', base);
  const payorId = await ctx.optional(draft.payor, 'Organization', base);

  const payorIdentifiers =
    payorId !== null
      ? await organizationIdentifiers(ctx, payorId)
      : draft.payor?.identifier == null
        ? null
        : [draft.payor.identifier];
  if (payorIdentifiers === null) return skipped('payor not found, so no 保険者番号');
  const insurer = insurerNumberOf(payorIdentifiers);
  if ('skip' in insurer) return skipped(insurer.skip);
  if (draft.number === null) return skipped('no 被保険者番号');
  const insurance = {
    insurer_number: insurer.value,
    insurance_symbol: draft.symbol,
    insurance_number: draft.number,
    insurance_branch: draft.branch,
  };

  ctx.patients.add(patientId);
  const patient = await ctx.db
    .selectFrom('patients')
    .select('updated_by')
    .where('id', '=', patientId)
    .executeTakeFirstOrThrow();
  if (patient.updated_by !== null) return skipped(EDITED);

  const { outcome } = await ctx.upsert(
    [key],
    { patientId, ...insurance },
    {
      insert: async () => {
        await updatePatient(ctx, patientId, insurance);
        return patientId;
      },
      update: (id) => updatePatient(ctx, id, insurance),
    },
  );
  return outcome;
};

async function organizationIdentifiers(ctx: FileImport, id: string): Promise<Identifier[]> {
  const row = await ctx.db
    .selectFrom('organizations')
    .select('identifiers')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.identifiers ?? [];
}

function identifierKeys(type: string, identifiers: Identifier[]): RefKey[] {
  return identifiers.map((identifier) => identifierKey(type, identifier.system, identifier.value));
}
