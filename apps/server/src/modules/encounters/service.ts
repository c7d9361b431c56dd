import crypto from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { EncountersTable, TenantDatabase } from '../../platform/db/tables.js';
import type { TenantFields } from '../../platform/keys/tenant-fields.js';
import type { Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';
import {
  ICD10,
  type AmendmentInput,
  type Encounter,
  type EncounterInput,
  type EncounterVersion,
} from './schemas.js';

/**
 * Encounters and their SOAP notes. A note is never overwritten (真正性・保存性): an amendment
 * adds a version, and every version stays readable with its author and time (見読性).
 */
export class EncounterService {
  constructor(private readonly accounts: AccountService) {}

  async list(
    caller: Caller,
    patientId: string,
    query: { limit?: string | undefined; cursor?: string | undefined },
  ) {
    await requirePatientAccess(caller.tenant.db, caller, 'clinical.read', patientId);
    const limit = pageLimit(query.limit);
    const after = decodeCursor(query.cursor, ['time', 'uuid']);

    return caller.tenant.transaction(async (trx) => {
      let select = trx.selectFrom('encounters').selectAll().where('patient_id', '=', patientId);
      if (after !== null) {
        const [startedAt = '', id = ''] = after;
        select = select.where((eb) =>
          eb.or([
            eb('started_at', '<', new Date(startedAt)),
            eb.and([eb('started_at', '=', new Date(startedAt)), eb('id', '<', id)]),
          ]),
        );
      }
      const rows = await select
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const versions = await loadVersions(
        trx,
        caller.tenant.fields,
        page.map((row) => [row.id, row.current_version]),
      );
      await recordAudit(trx, {
        ...actorOf(caller),
        action: 'encounter.list',
        patientId,
        details: { count: page.length },
      });
      const last = page[page.length - 1];
      return {
        items: page.map((row) =>
          toEncounter(row, versionOf(versions, row.id, row.current_version)),
        ),
        nextCursor:
          rows.length > limit && last !== undefined
            ? encodeCursor([last.started_at.toISOString(), last.id])
            : null,
      };
    });
  }

  async create(caller: Caller, patientId: string, input: EncounterInput): Promise<Encounter> {
    checkDiagnoses(input.diagnoses);
    await requirePatientAccess(caller.tenant.db, caller, 'clinical.write', patientId);
    const author = await this.authorName(caller);
    const id = crypto.randomUUID();
    const now = new Date();

    return caller.tenant.transaction(async (trx) => {
      const row = await trx
        .insertInto('encounters')
        .values({
          id,
          patient_id: patientId,
          type: input.type,
          started_at: input.startedAt,
          ended_at: null,
          clinician_id: caller.userId,
          clinician_name: author,
          practitioner_id: null,
          organization_id: null,
          current_version: 1,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await insertVersion(
        trx,
        caller.tenant.fields,
        id,
        1,
        input,
        { id: caller.userId, name: author },
        null,
        now,
      );
      await recordAudit(trx, {
        ...actorOf(caller),
        action: 'encounter.create',
        patientId,
        resourceType: 'Encounter',
        resourceId: id,
      });
      const versions = await loadVersions(trx, caller.tenant.fields, [[id, 1]]);
      return toEncounter(row, versionOf(versions, id, 1));
    });
  }

  async get(caller: Caller, encounterId: string): Promise<Encounter> {
    // The role first: a clerk learns nothing, not even whether an encounter id exists.
    await requireRole(caller.tenant.db, caller, 'clinical.read');
    const patientId = await this.patientOf(caller, encounterId);
    await requirePatientAccess(caller.tenant.db, caller, 'clinical.read', patientId);

    return caller.tenant.transaction(async (trx) => {
      const row = await trx
        .selectFrom('encounters')
        .selectAll()
        .where('id', '=', encounterId)
        .executeTakeFirstOrThrow();
      const all = await loadVersions(trx, caller.tenant.fields, [[encounterId, null]]);
      await recordAudit(trx, {
        ...actorOf(caller),
        action: 'encounter.read',
        patientId,
        resourceType: 'Encounter',
        resourceId: encounterId,
      });
      const versions = all.get(encounterId) ?? [];
      return { ...toEncounter(row, versionOf(all, encounterId, row.current_version)), versions };
    });
  }

  async amend(caller: Caller, encounterId: string, input: AmendmentInput): Promise<Encounter> {
    checkDiagnoses(input.diagnoses);
    await requireRole(caller.tenant.db, caller, 'clinical.write');
    const patientId = await this.patientOf(caller, encounterId);
    await requirePatientAccess(caller.tenant.db, caller, 'clinical.write', patientId);
    const author = await this.authorName(caller);
    const now = new Date();
    const version = input.baseVersion + 1;

    return caller.tenant.transaction(async (trx) => {
      // The conditional update is the lock: two amendments of one version cannot both land.
      const row = await trx
        .updateTable('encounters')
        .set({ current_version: version, updated_at: now })
        .where('id', '=', encounterId)
        .where('current_version', '=', input.baseVersion)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) throw new AppError('version_conflict');
      await insertVersion(
        trx,
        caller.tenant.fields,
        encounterId,
        version,
        input,
        { id: caller.userId, name: author },
        input.reason,
        now,
      );
      await recordAudit(trx, {
        ...actorOf(caller),
        action: 'encounter.amend',
        patientId,
        resourceType: 'Encounter',
        resourceId: encounterId,
        details: { version },
      });
      const all = await loadVersions(trx, caller.tenant.fields, [[encounterId, null]]);
      return {
        ...toEncounter(row, versionOf(all, encounterId, version)),
        versions: all.get(encounterId) ?? [],
      };
    });
  }

  private async patientOf(caller: Caller, encounterId: string): Promise<string> {
    const row = await caller.tenant.db
      .selectFrom('encounters')
      .select('patient_id')
      .where('id', '=', encounterId)
      .executeTakeFirst();
    if (row === undefined) throw new AppError('not_found');
    return row.patient_id;
  }

  private async authorName(caller: Caller): Promise<string> {
    const account = await this.accounts.findById(caller.tenantId, caller.userId);
    if (account === null) throw new AppError('unauthenticated');
    return account.displayName;
  }
}

/** Codes without a system are ICD-10 and must look like it. */
function checkDiagnoses(diagnoses: EncounterInput['diagnoses']): void {
  const problems = diagnoses.flatMap((diagnosis, index) =>
    (diagnosis.codeSystem ?? null) === null && !ICD10.test(diagnosis.code)
      ? [{ path: `/diagnoses/${index}/code`, message: 'must be an ICD-10 code such as J06.9' }]
      : [],
  );
  if (problems.length > 0) throw new AppError('validation_failed', undefined, problems);
}

export async function insertVersion(
  trx: Kysely<TenantDatabase>,
  fields: TenantFields,
  encounterId: string,
  version: number,
  input: { note: EncounterInput['note']; diagnoses: EncounterInput['diagnoses'] },
  author: { id: string | null; name: string },
  reason: string | null,
  at: Date,
): Promise<void> {
  const sealed = await fields.seal('encounter_versions', `${encounterId}/${String(version)}`, {
    ...input.note,
    reason,
  });
  await trx
    .insertInto('encounter_versions')
    .values({
      encounter_id: encounterId,
      version,
      ...sealed,
      author_id: author.id,
      author_name: author.name,
      created_at: at,
    })
    .execute();
  if (input.diagnoses.length === 0) return;
  const rows = await Promise.all(
    input.diagnoses.map((diagnosis, position) => {
      const id = crypto.randomUUID();
      return fields.seal('diagnoses', id, {
        id,
        encounter_id: encounterId,
        version,
        position,
        code: diagnosis.code,
        name: diagnosis.name,
        code_system: diagnosis.codeSystem ?? null,
      });
    }),
  );
  await trx.insertInto('diagnoses').values(rows).execute();
}

/** Versions with their diagnoses, by encounter; `null` as version loads every version. */
async function loadVersions(
  trx: Kysely<TenantDatabase>,
  fields: TenantFields,
  wanted: [string, number | null][],
): Promise<Map<string, EncounterVersion[]>> {
  const result = new Map<string, EncounterVersion[]>();
  if (wanted.length === 0) return result;
  const sealedRows = await trx
    .selectFrom('encounter_versions')
    .selectAll()
    .where((eb) =>
      eb.or(
        wanted.map(([id, version]) =>
          version === null
            ? eb('encounter_id', '=', id)
            : eb.and([eb('encounter_id', '=', id), eb('version', '=', version)]),
        ),
      ),
    )
    .orderBy('encounter_id')
    .orderBy('version')
    .execute();
  const sealedDiagnoses = await trx
    .selectFrom('diagnoses')
    .selectAll()
    .where('encounter_id', 'in', [...new Set(wanted.map(([id]) => id))])
    .orderBy('position')
    .execute();
  const rows = await fields.openAll('encounter_versions', sealedRows);
  // Only the diagnoses of the versions asked for are decrypted.
  const loaded = new Set(sealedRows.map((row) => `${row.encounter_id}/${String(row.version)}`));
  const diagnoses = await fields.openAll(
    'diagnoses',
    sealedDiagnoses.filter((d) => loaded.has(`${d.encounter_id}/${String(d.version)}`)),
  );
  for (const row of rows) {
    const list = result.get(row.encounter_id) ?? [];
    list.push({
      version: row.version,
      note: {
        subjective: row.subjective,
        objective: row.objective,
        assessment: row.assessment,
        plan: row.plan,
      },
      diagnoses: diagnoses
        .filter((d) => d.encounter_id === row.encounter_id && d.version === row.version)
        .map((d) => ({ code: d.code, name: d.name, codeSystem: d.code_system })),
      authorId: row.author_id,
      authorName: row.author_name,
      createdAt: row.created_at.toISOString(),
      reason: row.reason,
    });
    result.set(row.encounter_id, list);
  }
  return result;
}

function versionOf(
  all: Map<string, EncounterVersion[]>,
  id: string,
  version: number,
): EncounterVersion {
  const found = all.get(id)?.find((v) => v.version === version);
  if (found === undefined) throw new Error('an encounter lost its current version');
  return found;
}

function toEncounter(row: Selectable<EncountersTable>, current: EncounterVersion): Encounter {
  return {
    id: row.id,
    patientId: row.patient_id,
    type: row.type,
    startedAt: row.started_at.toISOString(),
    clinicianName: row.clinician_name,
    currentVersion: row.current_version,
    note: current.note,
    diagnoses: current.diagnoses,
    updatedAt: row.updated_at.toISOString(),
  };
}
