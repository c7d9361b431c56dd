import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { PatientsTable } from '../../platform/db/tables.js';
import type { Caller } from '../../http/context.js';
import { AppError, type FieldError } from '../../http/errors.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { inCareOf, requirePatientAccess, requireRole } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import { normalizeDigits, parseInsurerNumber } from './insurance.js';
import type { Patient, PatientInput } from './schemas.js';

export interface PatientQuery {
  kana?: string | undefined;
  insuranceNumber?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

export async function listPatients(caller: Caller, query: PatientQuery) {
  const { db } = caller.tenant;
  await requireRole(db, caller, 'patient.list');
  const limit = pageLimit(query.limit);
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  const { fields } = caller.tenant;
  const insuranceIndex =
    query.insuranceNumber === undefined
      ? null
      : await fields.insuranceNumberIndex(query.insuranceNumber);

  return caller.tenant.transaction(async (trx) => {
    let select = trx.selectFrom('patients').selectAll('patients');
    if (caller.role === 'doctor' || caller.role === 'nurse') {
      select = select.where(inCareOf(caller.userId));
    }
    if (query.kana !== undefined) {
      const prefix = `${escapeLike(toKatakana(query.kana.trim()))}%`;
      select = select.where((eb) =>
        eb.or([
          eb('family_name_kana', 'like', prefix),
          eb('given_name_kana', 'like', prefix),
          eb('family_name', 'ilike', prefix),
          eb('given_name', 'ilike', prefix),
        ]),
      );
    }
    // Exact match only: the number is encrypted, its keyed blind index is what can be compared.
    if (insuranceIndex !== null)
      select = select.where('insurance_number_bidx', '=', insuranceIndex);
    if (after !== null) {
      const [sortName = '', id = ''] = after;
      select = select.where((eb) =>
        eb.or([
          eb('sort_name', '>', sortName),
          eb.and([eb('sort_name', '=', sortName), eb('id', '>', id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('sort_name')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];

    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'patient.list',
      details: { count: page.length, patientIds: page.map((row) => row.id) },
    });
    return {
      items: (await fields.openAll('patients', page)).map(toPatient),
      nextCursor:
        rows.length > limit && last !== undefined ? encodeCursor([last.sort_name, last.id]) : null,
    };
  });
}

export async function createPatient(caller: Caller, input: PatientInput): Promise<Patient> {
  await requireRole(caller.tenant.db, caller, 'patient.create');
  const now = new Date();
  const id = crypto.randomUUID();
  const values = await sealColumns(caller, id, toColumns(input));

  return caller.tenant.transaction(async (trx) => {
    const row = await trx
      .insertInto('patients')
      .values({
        id,
        version: 1,
        ...values,
        created_at: now,
        updated_at: now,
        created_by: caller.userId,
        updated_by: caller.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'patient.create',
      patientId: id,
      resourceType: 'Patient',
      resourceId: id,
    });
    return toPatient(await caller.tenant.fields.open('patients', row));
  });
}

export async function getPatient(caller: Caller, id: string): Promise<Patient> {
  await requirePatientAccess(caller.tenant.db, caller, 'patient.read', id);

  const row = await caller.tenant.db
    .selectFrom('patients')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw new AppError('not_found');

  await caller.auditRead({
    ...actorOf(caller),
    action: 'patient.read',
    patientId: id,
    resourceType: 'Patient',
    resourceId: id,
  });
  return toPatient(await caller.tenant.fields.open('patients', row));
}

/** Optimistic concurrency: the write names the version it read; a stale one gets 409. */
export async function updatePatient(
  caller: Caller,
  id: string,
  input: PatientInput,
  expectedVersion: number,
): Promise<Patient> {
  await requirePatientAccess(caller.tenant.db, caller, 'patient.update', id);
  const values = await sealColumns(caller, id, toColumns(input));

  return caller.tenant.transaction(async (trx) => {
    const row = await trx
      .updateTable('patients')
      .set({
        ...values,
        version: expectedVersion + 1,
        updated_at: new Date(),
        updated_by: caller.userId,
      })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new AppError('version_conflict');
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'patient.update',
      patientId: id,
      resourceType: 'Patient',
      resourceId: id,
      details: { version: row.version },
    });
    return toPatient(await caller.tenant.fields.open('patients', row));
  });
}

/** Encrypts what ENCRYPTED_TABLES lists and adds the insurance number's blind index. */
async function sealColumns(caller: Caller, id: string, values: ReturnType<typeof toColumns>) {
  const { fields } = caller.tenant;
  return {
    ...(await fields.seal('patients', id, values)),
    insurance_number_bidx: await fields.insuranceNumberIndex(values.insurance_number),
  };
}

const KATAKANA = /^[\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$/;

/** Half-width kana and hiragana become full-width katakana, the form we store and search. */
export function toKatakana(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[\u3041-\u3096]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60));
}

function toColumns(input: PatientInput) {
  const problems: FieldError[] = [];
  const familyNameKana = toKatakana(input.familyNameKana.trim());
  const givenNameKana = toKatakana(input.givenNameKana.trim());
  if (!KATAKANA.test(familyNameKana))
    problems.push({ path: '/familyNameKana', message: 'must be katakana' });
  if (!KATAKANA.test(givenNameKana))
    problems.push({ path: '/givenNameKana', message: 'must be katakana' });

  const birth = new Date(`${input.birthDate}T00:00:00Z`);
  if (birth.getTime() > Date.now() || birth.getUTCFullYear() < 1870) {
    problems.push({ path: '/birthDate', message: 'must be a past date after 1870' });
  }
  let insurerNumber: string | null = null;
  if (input.insurance != null) {
    const parsed = parseInsurerNumber(input.insurance.insurerNumber);
    if ('problem' in parsed)
      problems.push({ path: '/insurance/insurerNumber', message: parsed.problem });
    else insurerNumber = parsed.value;
  }
  if (problems.length > 0) throw new AppError('validation_failed', undefined, problems);

  const familyName = input.familyName.trim();
  const givenName = input.givenName.trim();
  return {
    family_name: familyName,
    given_name: givenName,
    family_name_kana: familyNameKana,
    given_name_kana: givenNameKana,
    sort_name: sortName(familyName, givenName, familyNameKana, givenNameKana),
    birth_date: input.birthDate,
    sex: input.sex,
    phone: input.phone == null ? null : normalizeDigits(input.phone),
    email: input.email ?? null,
    postal_code: input.postalCode == null ? null : input.postalCode.normalize('NFKC'),
    address: input.address ?? null,
    insurer_number: insurerNumber,
    insurance_symbol: input.insurance?.symbol ?? null,
    insurance_number: input.insurance == null ? null : input.insurance.number.normalize('NFKC'),
    insurance_branch:
      input.insurance?.branch == null ? null : normalizeDigits(input.insurance.branch),
  };
}

export function sortName(
  familyName: string,
  givenName: string,
  familyKana: string | null,
  givenKana: string | null,
): string {
  return familyKana !== null && givenKana !== null
    ? `${familyKana} ${givenKana}`
    : `${familyName} ${givenName}`.toUpperCase();
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export function toPatient(row: Selectable<PatientsTable>): Patient {
  return {
    id: row.id,
    version: row.version,
    familyName: row.family_name,
    givenName: row.given_name,
    familyNameKana: row.family_name_kana,
    givenNameKana: row.given_name_kana,
    birthDate: row.birth_date,
    sex: row.sex,
    phone: row.phone,
    email: row.email,
    postalCode: row.postal_code,
    address: row.address,
    insurance:
      row.insurer_number === null || row.insurance_number === null
        ? null
        : {
            insurerNumber: row.insurer_number,
            symbol: row.insurance_symbol,
            number: row.insurance_number,
            branch: row.insurance_branch,
          },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
