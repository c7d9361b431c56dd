import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Caller } from '../../http/context.js';
import { requireRecentMfa } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { createdAtPage, createdBeforeCursor, pageLimit } from '../../http/pagination.js';
import type { ObjectStore } from '../../platform/objects/index.js';
import type { PrescriptionLinesTable, PrescriptionsTable } from '../../platform/db/tables.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { ruleFor } from '../../policy/policy.js';
import { actorOf, recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';
import type { TenantService } from '../tenants/service.js';
import { renderPrescriptionPdf, type PrescriptionSheet } from './pdf.js';
import type { Prescription, PrescriptionInput } from './schemas.js';

export interface PrescriptionDeps {
  objects: ObjectStore;
  accounts: AccountService;
  tenants: TenantService;
}

const PDF_URL_SECONDS = 5 * 60;
const DEFAULT_VALID_DAYS = 4;

/**
 * Issues a prescription: a doctor in the patient's care who proved MFA within 15 minutes. The
 * PDF is rendered and stored privately before the row is written, so a prescription never
 * exists without its document; if the write fails the document is removed again.
 */
export async function issuePrescription(
  caller: Caller,
  deps: PrescriptionDeps,
  input: PrescriptionInput,
): Promise<Prescription> {
  await requirePatientAccess(caller.tenant.db, caller, 'prescription.issue', input.patientId);
  requireRecentMfa(caller);

  const id = crypto.randomUUID();
  const issuedOn = tokyoToday();
  const validUntil = addDays(issuedOn, (input.validDays ?? DEFAULT_VALID_DAYS) - 1);
  const doctor = (await deps.accounts.displayNames(caller.tenantId, [caller.userId])).get(
    caller.userId,
  );
  const clinic = await deps.tenants.findById(caller.tenantId);
  const lines = input.medications.map((m, position) => ({
    prescription_id: id,
    position,
    name: m.name,
    code: m.code,
    code_system: m.code.length === 9 ? ('receipt' as const) : ('yj' as const),
    dose: m.dose,
    unit: m.unit,
    frequency: m.frequency,
    days: m.days,
    route: m.route,
    no_substitution: m.noSubstitution ?? false,
  }));
  const row = {
    id,
    patient_id: input.patientId,
    doctor_id: caller.userId,
    doctor_name: doctor?.displayName ?? '',
    issued_on: issuedOn,
    valid_until: validUntil,
    notes: input.notes ?? null,
    pdf_object_key: `t${caller.tenantId.replaceAll('-', '')}/rx-${id}`,
  };

  const sheet = await sheetFor(caller, row, lines, clinic?.name ?? '');
  await deps.objects.put('clean', row.pdf_object_key, await renderPrescriptionPdf(sheet), {
    contentType: 'application/pdf',
  });
  const { fields } = caller.tenant;
  const sealedRow = await fields.seal('prescriptions', id, row);
  const sealedLines = await Promise.all(
    lines.map((line) => fields.seal('prescription_lines', `${id}/${String(line.position)}`, line)),
  );
  try {
    await caller.tenant.transaction(async (trx) => {
      await trx.insertInto('prescriptions').values(sealedRow).execute();
      await trx.insertInto('prescription_lines').values(sealedLines).execute();
      await recordAudit(trx, {
        ...actorOf(caller),
        action: 'prescription.issue',
        patientId: input.patientId,
        resourceType: 'MedicationRequest',
        resourceId: id,
        details: { lines: lines.length },
      });
    });
  } catch (error) {
    await deps.objects.delete('clean', row.pdf_object_key).catch(() => undefined);
    throw error;
  }
  return readPrescription(caller, id, 'prescription.issue');
}

export async function getPrescription(caller: Caller, id: string): Promise<Prescription> {
  return readPrescription(caller, id, 'prescription.read');
}

async function readPrescription(
  caller: Caller,
  id: string,
  action: 'prescription.read' | 'prescription.issue',
): Promise<Prescription> {
  const row = await reachable(caller, id, 'prescription.read');
  const lines = await linesOf(caller, [id]);
  if (action === 'prescription.read') {
    await recordAudit(caller.tenant.db, {
      ...actorOf(caller),
      action,
      patientId: row.patient_id,
      resourceType: 'MedicationRequest',
      resourceId: id,
    });
  }
  return view(row, lines.get(id) ?? []);
}

export async function listPrescriptions(
  caller: Caller,
  patientId: string,
  query: { limit?: string; cursor?: string },
): Promise<{ items: Prescription[]; nextCursor: string | null }> {
  await requirePatientAccess(caller.tenant.db, caller, 'prescription.read', patientId);
  const limit = pageLimit(query.limit);
  const after = createdBeforeCursor(query.cursor);
  let select = caller.tenant.db
    .selectFrom('prescriptions')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (after !== null) select = select.where(after);
  const { page, nextCursor } = createdAtPage(await select.execute(), limit);
  const opened = await caller.tenant.fields.openAll('prescriptions', page);
  const lines = await linesOf(
    caller,
    opened.map((r) => r.id),
  );
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action: 'prescription.list',
    patientId,
    resourceType: 'MedicationRequest',
    details: { count: page.length },
  });
  return { items: opened.map((row) => view(row, lines.get(row.id) ?? [])), nextCursor };
}

/** Cancels with a reason; the prescription stays, readable, marked cancelled. */
export async function cancelPrescription(
  caller: Caller,
  id: string,
  reason: string,
): Promise<Prescription> {
  const row = await reachable(caller, id, 'prescription.cancel');
  if (row.status === 'cancelled') throw new AppError('prescription_cancelled');
  const sealed = await caller.tenant.fields.seal('prescriptions', id, { cancel_reason: reason });

  await caller.tenant.transaction(async (trx) => {
    const updated = await trx
      .updateTable('prescriptions')
      .set({
        status: 'cancelled',
        cancel_reason: sealed.cancel_reason,
        cancelled_at: new Date(),
        cancelled_by: caller.userId,
      })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw new AppError('prescription_cancelled');
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'prescription.cancel',
      patientId: row.patient_id,
      resourceType: 'MedicationRequest',
      resourceId: id,
    });
  });
  return readPrescription(caller, id, 'prescription.issue');
}

/** A download link for the PDF of an active prescription, after the same check as reading it. */
export async function prescriptionPdfUrl(
  caller: Caller,
  objects: ObjectStore,
  id: string,
): Promise<{ url: string; expiresAt: string }> {
  const row = await reachable(caller, id, 'prescription.read');
  if (row.status === 'cancelled') throw new AppError('prescription_cancelled');

  const signed = await objects.signedDownloadUrl(row.pdf_object_key, {
    fileName: `処方箋_${row.issued_on}.pdf`,
    contentType: 'application/pdf',
    expiresInSeconds: PDF_URL_SECONDS,
  });
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action: 'prescription.pdf_url',
    patientId: row.patient_id,
    resourceType: 'MedicationRequest',
    resourceId: id,
    details: { expiresAt: signed.expiresAt.toISOString() },
  });
  return { url: signed.url, expiresAt: signed.expiresAt.toISOString() };
}

async function reachable(
  caller: Caller,
  id: string,
  action: 'prescription.read' | 'prescription.cancel',
): Promise<Selectable<PrescriptionsTable>> {
  // The role first: a role that may never do this hears 403, never a 404 that tells whether an
  // id exists.
  if (ruleFor(action, caller.role) === undefined) {
    await requireRole(caller.tenant.db, caller, action);
  }
  const row = await caller.tenant.db
    .selectFrom('prescriptions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw new AppError('not_found');
  await requirePatientAccess(caller.tenant.db, caller, action, row.patient_id);
  return caller.tenant.fields.open('prescriptions', row);
}

async function linesOf(caller: Caller, ids: string[]) {
  const byId = new Map<string, Selectable<PrescriptionLinesTable>[]>();
  if (ids.length === 0) return byId;
  const sealed = await caller.tenant.db
    .selectFrom('prescription_lines')
    .selectAll()
    .where('prescription_id', 'in', ids)
    .orderBy('position')
    .execute();
  const rows = await caller.tenant.fields.openAll('prescription_lines', sealed);
  for (const line of rows) {
    byId.set(line.prescription_id, [...(byId.get(line.prescription_id) ?? []), line]);
  }
  return byId;
}

async function sheetFor(
  caller: Caller,
  row: {
    patient_id: string;
    doctor_name: string;
    issued_on: string;
    valid_until: string;
    notes: string | null;
  },
  lines: Omit<Selectable<PrescriptionLinesTable>, 'prescription_id'>[],
  clinicName: string,
): Promise<PrescriptionSheet> {
  const patient = await caller.tenant.fields.open(
    'patients',
    await caller.tenant.db
      .selectFrom('patients')
      .selectAll()
      .where('id', '=', row.patient_id)
      .executeTakeFirstOrThrow(),
  );
  const kana = [patient.family_name_kana, patient.given_name_kana].filter((k) => k !== null);
  return {
    patient: {
      name: `${patient.family_name} ${patient.given_name}`,
      kana: kana.length > 0 ? kana.join(' ') : null,
      birthDate: patient.birth_date,
      sex: patient.sex,
    },
    insurance: {
      insurerNumber: patient.insurer_number,
      symbol: patient.insurance_symbol,
      number: patient.insurance_number,
      branch: patient.insurance_branch,
    },
    clinic: { name: clinicName },
    doctorName: row.doctor_name,
    issuedOn: row.issued_on,
    validUntil: row.valid_until,
    lines: lines.map((line) => ({
      name: line.name,
      code: line.code,
      dose: line.dose,
      unit: line.unit,
      frequency: line.frequency,
      days: line.days,
      route: line.route,
      noSubstitution: line.no_substitution,
    })),
    notes: row.notes,
    cancelled: false,
  };
}

function view(
  row: Selectable<PrescriptionsTable>,
  lines: Selectable<PrescriptionLinesTable>[],
): Prescription {
  return {
    id: row.id,
    patientId: row.patient_id,
    doctorId: row.doctor_id,
    doctorName: row.doctor_name,
    issuedOn: row.issued_on,
    validUntil: row.valid_until,
    medications: lines.map((line) => ({
      name: line.name,
      code: line.code,
      codeSystem: line.code_system,
      dose: line.dose,
      unit: line.unit,
      frequency: line.frequency,
      days: line.days,
      route: line.route,
      noSubstitution: line.no_substitution,
    })),
    notes: row.notes,
    status: row.status,
    cancelReason: row.cancel_reason,
    cancelledAt: row.cancelled_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

/** Today's date in Japan, where the prescription is issued and used. */
function tokyoToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
